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
        command.Subcommands.Add(Verb("crypto", "Chunked AES-256-GCM throughput vs `openssl speed`, allocations, rewrap rate", Sigill.Bench.CryptoBenchmark.RunAsync));
        command.Subcommands.Add(Verb("pdf", "Incremental signature times at 10/100/500 pages, full completion, sealing memory, B-LTA against a local TSA", Sigill.Bench.PdfBenchmark.RunAsync));
        command.Subcommands.Add(Documents());
        command.Subcommands.Add(Bulk());
        command.Subcommands.Add(Audit());
        command.Subcommands.Add(Verb("backup", "Backup and restore of a synthetic cell (3,000 objects, 100 MB database) vs restic, same run", Sigill.Bench.BackupBenchmark.RunAsync));
        command.Subcommands.Add(Verb("hostile", "The hostile corpus through a `sigill serve` child: each request's peak memory growth (budget 100 MB) and its code", Sigill.Bench.HostileBenchmark.RunAsync));
        command.Subcommands.Add(Load());
        command.Subcommands.Add(Verb("transparency", "Merkle root of 1,000,000 leaves vs raw SHA-256, inclusion proof latency", Sigill.Bench.TransparencyBenchmark.RunAsync));
        return command;
    }

    private static Option<bool> Smoke() =>
        new("--smoke") { Description = "The same path with tiny sizes, in seconds: figures printed, budgets not judged (the test suite runs this)" };

    private static Option<string?> Postgres() => new("--postgres")
    {
        Description = $"PostgreSQL connection string allowed to create a scratch database (default: ${PostgresVariable})",
    };

    private static Command Documents()
    {
        var (smoke, postgres) = (Smoke(), Postgres());
        var command = new Command("documents", $"Documents created and sent per second on PostgreSQL through the API tier (needs --postgres or {PostgresVariable})") { smoke, postgres };
        command.SetAction((result, ct) => Sigill.Bench.DocumentBenchmark.RunAsync(Console.Out,
            result.GetValue(postgres) ?? Environment.GetEnvironmentVariable(PostgresVariable), result.GetValue(smoke), ct));
        return command;
    }

    private static Command Bulk()
    {
        var (smoke, postgres) = (Smoke(), Postgres());
        var rows = new Option<int?>("--rows") { Description = "Rows of the large bulk send (default 10,000; 80 with --smoke)" };
        var command = new Command("bulk", $"Bulk send from a CSV on PostgreSQL: documents created and sent per second, peak memory at 1,000 and N rows, vs one-by-one API sends (needs --postgres or {PostgresVariable})")
        {
            smoke, postgres, rows,
        };
        command.SetAction((result, ct) =>
        {
            var count = result.GetValue(rows) ?? 10_000;
            return count is < 1 or > 1_000_000
                ? Task.FromResult(CommonOptions.Fail("--rows must be 1-1000000"))
                : Sigill.Bench.BulkSendBenchmark.RunAsync(Console.Out, result.GetValue(postgres) ?? Environment.GetEnvironmentVariable(PostgresVariable), count, result.GetValue(smoke), ct);
        });
        return command;
    }

    private static Command Audit()
    {
        var events = new Option<int?>("--events") { Description = "Events recorded and appended per run (default 100,000; 500 with --smoke)" };
        var runs = new Option<int?>("--runs") { Description = "Runs per provider; figures are medians (default 3; 1 with --smoke)" };
        var (smoke, postgres) = (Smoke(), Postgres());
        postgres.Description += "; without it PostgreSQL is skipped";
        var command = new Command("audit", "Audit-log appends/s on SQLite (and PostgreSQL), full verification time, inclusion proof p99") { events, runs, postgres, smoke };
        command.SetAction((result, ct) =>
        {
            var isSmoke = result.GetValue(smoke);
            var (eventCount, runCount) = (result.GetValue(events) ?? (isSmoke ? 500 : 100_000), result.GetValue(runs) ?? (isSmoke ? 1 : 3));
            return eventCount < 1 || runCount < 1
                ? Task.FromResult(CommonOptions.Fail("--events and --runs must be at least 1"))
                : Sigill.Bench.AuditBenchmark.RunAsync(Console.Out, eventCount, runCount,
                    result.GetValue(postgres) ?? Environment.GetEnvironmentVariable(PostgresVariable), isSmoke, ct);
        });
        return command;
    }

    private static Command Load()
    {
        var (smoke, postgres) = (Smoke(), Postgres());
        postgres.Description += "; without it only the embedded server is measured";
        var s3 = new Option<string?>("--s3") { Description = $"S3 endpoint with credentials, http://KEY:SECRET@HOST:PORT, for the PostgreSQL run (default: ${S3Variable})" };
        var clients = new Option<string?>("--clients") { Description = "Concurrency levels, comma-separated (default 8,32,64; the flow runs at levels up to 32)" };
        var seconds = new Option<double?>("--seconds") { Description = "Measured seconds per level and operation (default 20; 2 with --smoke)" };
        var soak = new Option<double?>("--soak") { Description = "Minutes of the flow at 16 clients, sampling the server's memory and handles (issue 21: 10), instead of the levels" };
        var command = new Command("load", "A mixed workload through the web tier of `sigill serve` at rising concurrency: per-operation ops/s, p50/p99, reads against /health/ready; embedded and PostgreSQL + S3")
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
                return Task.FromResult(CommonOptions.Fail("--clients takes levels between 1 and 512, e.g. 8,32,64"));
            }
            if (duration is <= 0 or > 3600 || minutes is <= 0 or > 24 * 60)
            {
                return Task.FromResult(CommonOptions.Fail("--seconds must be above 0 and at most 3600; --soak above 0 and at most 1440 minutes"));
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
