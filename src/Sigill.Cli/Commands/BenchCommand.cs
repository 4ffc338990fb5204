using System.CommandLine;

namespace Sigill.Cli.Commands;

/// <summary><c>sigill bench crypto|pdf|documents|audit|backup|hostile|transparency</c>: benchmarks, on demand (never part of the test suite).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Run a benchmark and print its figures beside a baseline measured in the same run");
        command.Subcommands.Add(Verb("crypto", "Chunked AES-256-GCM throughput vs `openssl speed`, allocations, rewrap rate", Sigill.Bench.CryptoBenchmark.RunAsync));
        command.Subcommands.Add(Pdf());
        command.Subcommands.Add(Verb("documents", "Documents created and sent per second on PostgreSQL through the API tier (needs SIGILL_TEST_POSTGRES)", Sigill.Bench.DocumentBenchmark.RunAsync));
        command.Subcommands.Add(Audit());
        command.Subcommands.Add(Verb("backup", "Backup and restore of a synthetic cell (3,000 objects, 100 MB database) vs restic, same run", Sigill.Bench.BackupBenchmark.RunAsync));
        command.Subcommands.Add(Hostile());
        command.Subcommands.Add(Verb("transparency", "Merkle root of 1,000,000 leaves vs raw SHA-256, inclusion proof latency", Sigill.Bench.TransparencyBenchmark.RunAsync));
        return command;
    }

    private static Command Audit()
    {
        var events = new Option<int>("--events") { Description = "Events recorded and appended per run", DefaultValueFactory = _ => 100_000 };
        var runs = new Option<int>("--runs") { Description = "Runs per provider; figures are medians", DefaultValueFactory = _ => 3 };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "PostgreSQL connection string allowed to create a scratch database (default: $SIGILL_BENCH_POSTGRES); without it PostgreSQL is skipped",
        };
        var command = new Command("audit", "Audit-log appends/s on SQLite (and PostgreSQL), full verification time, inclusion proof p99") { events, runs, postgres };
        command.SetAction((result, ct) => result.GetValue(events) < 1 || result.GetValue(runs) < 1
            ? Task.FromResult(CommonOptions.Fail("--events and --runs must be at least 1"))
            : Sigill.Bench.AuditBenchmark.RunAsync(Console.Out, result.GetValue(events), result.GetValue(runs),
                result.GetValue(postgres) ?? Environment.GetEnvironmentVariable("SIGILL_BENCH_POSTGRES"), ct));
        return command;
    }

    private static Command Pdf()
    {
        var smoke = new Option<bool>("--smoke") { Description = "Three iterations, 10 pages, no memory run: the same paths in seconds (the test suite runs this)" };
        var command = new Command("pdf", "Incremental signature times at 10/100/500 pages, full completion, sealing memory, B-LTA against a local TSA") { smoke };
        command.SetAction((result, ct) => Sigill.Bench.PdfBenchmark.RunAsync(Console.Out, result.GetValue(smoke), ct));
        return command;
    }

    private static Command Hostile()
    {
        var smoke = new Option<bool>("--smoke") { Description = "One case per family: the same path in seconds (the test suite runs this)" };
        var command = new Command("hostile", "The hostile corpus through a `sigill serve` child: each request's peak memory growth (budget 100 MB) and its code") { smoke };
        command.SetAction((result, ct) => Sigill.Bench.HostileBenchmark.RunAsync(Console.Out, result.GetValue(smoke), ct));
        return command;
    }

    private static Command Verb(string name, string description, Func<TextWriter, CancellationToken, Task<int>> run)
    {
        var command = new Command(name, description);
        command.SetAction((_, ct) => run(Console.Out, ct));
        return command;
    }
}
