using System.CommandLine;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill bench crypto|pdf|documents|audit|backup|hostile|transparency|load</c>: benchmarks, on demand. Every verb takes
/// <c>--smoke</c>: the same code path with tiny sizes, in seconds, still printing its table but not judging budgets; the
/// test suite runs each verb that way, so a benchmark that no longer starts fails the build. PostgreSQL benchmarks read
/// one variable, <c>SIGILL_BENCH_POSTGRES</c> (or <c>--postgres</c>); the load benchmark also <c>SIGILL_BENCH_S3</c>.
/// </summary>
internal static class BenchCommand
{
    public const string PostgresVariable = "SIGILL_BENCH_POSTGRES";
    public const string S3Variable = "SIGILL_BENCH_S3";

    public static Command Create()
    {
        var command = new Command("bench", CliWords.T("Command.bench"));
        command.Subcommands.Add(Verb("crypto", CliWords.T("Command.bench.crypto"), Sigill.Bench.CryptoBenchmark.RunAsync));
        command.Subcommands.Add(Verb("pdf", CliWords.T("Command.bench.pdf"), Sigill.Bench.PdfBenchmark.RunAsync));
        command.Subcommands.Add(Documents());
        command.Subcommands.Add(Bulk());
        command.Subcommands.Add(Audit());
        command.Subcommands.Add(Verb("backup", CliWords.T("Command.bench.backup"), Sigill.Bench.BackupBenchmark.RunAsync));
        command.Subcommands.Add(Verb("hostile", CliWords.T("Command.bench.hostile"), Sigill.Bench.HostileBenchmark.RunAsync));
        command.Subcommands.Add(Load());
        command.Subcommands.Add(Verb("transparency", CliWords.T("Command.bench.transparency"), Sigill.Bench.TransparencyBenchmark.RunAsync));
        return command;
    }

    private static Option<bool> Smoke() =>
        new("--smoke") { Description = CliWords.T("Option.bench.smoke") };

    private static Option<string?> Postgres(string key = "Option.bench.postgres") => new("--postgres")
    {
        Description = CliWords.F(key, PostgresVariable),
    };

    private static Command Documents()
    {
        var (smoke, postgres) = (Smoke(), Postgres());
        var command = new Command("documents", CliWords.F("Command.bench.documents", PostgresVariable)) { smoke, postgres };
        command.SetAction((result, ct) => Sigill.Bench.DocumentBenchmark.RunAsync(Console.Out,
            result.GetValue(postgres) ?? Environment.GetEnvironmentVariable(PostgresVariable), result.GetValue(smoke), ct));
        return command;
    }

    private static Command Bulk()
    {
        var (smoke, postgres) = (Smoke(), Postgres());
        var rows = new Option<int?>("--rows") { Description = CliWords.T("Option.bench.rows") };
        var command = new Command("bulk", CliWords.F("Command.bench.bulk", PostgresVariable))
        {
            smoke, postgres, rows,
        };
        command.SetAction((result, ct) =>
        {
            var count = result.GetValue(rows) ?? 10_000;
            return count is < 1 or > 1_000_000
                ? Task.FromResult(CommonOptions.Fail(CliWords.T("Bench.Rows")))
                : Sigill.Bench.BulkSendBenchmark.RunAsync(Console.Out, result.GetValue(postgres) ?? Environment.GetEnvironmentVariable(PostgresVariable), count, result.GetValue(smoke), ct);
        });
        return command;
    }

    private static Command Audit()
    {
        var events = new Option<int?>("--events") { Description = CliWords.T("Option.bench.events") };
        var runs = new Option<int?>("--runs") { Description = CliWords.T("Option.bench.runs") };
        var (smoke, postgres) = (Smoke(), Postgres("Option.bench.postgres.audit"));
        var command = new Command("audit", CliWords.T("Command.bench.audit")) { events, runs, postgres, smoke };
        command.SetAction((result, ct) =>
        {
            var isSmoke = result.GetValue(smoke);
            var (eventCount, runCount) = (result.GetValue(events) ?? (isSmoke ? 500 : 100_000), result.GetValue(runs) ?? (isSmoke ? 1 : 3));
            return eventCount < 1 || runCount < 1
                ? Task.FromResult(CommonOptions.Fail(CliWords.T("Bench.EventsRuns")))
                : Sigill.Bench.AuditBenchmark.RunAsync(Console.Out, eventCount, runCount,
                    result.GetValue(postgres) ?? Environment.GetEnvironmentVariable(PostgresVariable), isSmoke, ct);
        });
        return command;
    }

    private static Command Load()
    {
        var (smoke, postgres) = (Smoke(), Postgres("Option.bench.postgres.load"));
        var s3 = new Option<string?>("--s3") { Description = CliWords.F("Option.bench.s3", S3Variable) };
        var clients = new Option<string?>("--clients") { Description = CliWords.T("Option.bench.clients") };
        var seconds = new Option<double?>("--seconds") { Description = CliWords.T("Option.bench.seconds") };
        var soak = new Option<double?>("--soak") { Description = CliWords.T("Option.bench.soak") };
        var command = new Command("load", CliWords.T("Command.bench.load"))
        {
            smoke, postgres, s3, clients, seconds, soak,
        };
        command.SetAction((result, ct) =>
        {
            var isSmoke = result.GetValue(smoke);
            var levels = (result.GetValue(clients) ?? (isSmoke ? "2" : "8,32,64")).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var parsed = levels.Select(l => int.TryParse(l, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0).ToList();
            var duration = result.GetValue(seconds) ?? (isSmoke ? 2 : 20);
            var minutes = result.GetValue(soak);
            if (parsed.Count == 0 || parsed.Any(n => n is < 1 or > 512))
            {
                return Task.FromResult(CommonOptions.Fail(CliWords.T("Bench.Clients")));
            }
            if (duration is <= 0 or > 3600 || minutes is <= 0 or > 24 * 60)
            {
                return Task.FromResult(CommonOptions.Fail(CliWords.T("Bench.Seconds")));
            }
            return Sigill.Bench.LoadBenchmark.RunAsync(Console.Out, new Sigill.Bench.LoadBenchmark.Options(
                result.GetValue(postgres) ?? Environment.GetEnvironmentVariable(PostgresVariable),
                result.GetValue(s3) ?? Environment.GetEnvironmentVariable(S3Variable),
                parsed, duration, minutes, isSmoke), ct);
        });
        return command;
    }

    private static Command Verb(string name, string description, Func<TextWriter, bool, CancellationToken, Task<int>> run)
    {
        var smoke = Smoke();
        var command = new Command(name, description) { smoke };
        command.SetAction((result, ct) => run(Console.Out, result.GetValue(smoke), ct));
        return command;
    }
}
