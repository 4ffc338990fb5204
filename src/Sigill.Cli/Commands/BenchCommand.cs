using System.CommandLine;

namespace Sigill.Cli.Commands;

/// <summary><c>sigill bench crypto|pdf|documents|audit|backup|transparency</c>: benchmarks, on demand (never part of the test suite).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Run a benchmark and print its figures beside a baseline measured in the same run");
        command.Subcommands.Add(Verb("crypto", "Chunked AES-256-GCM throughput vs `openssl speed`, allocations, rewrap rate", Sigill.Bench.CryptoBenchmark.RunAsync));
        command.Subcommands.Add(Verb("pdf", "Incremental signature times at 10/100/500 pages, full completion, sealing memory", Sigill.Bench.PdfBenchmark.RunAsync));
        command.Subcommands.Add(Verb("documents", "Documents created and sent per second on PostgreSQL through the API tier (needs SIGILL_TEST_POSTGRES)", Sigill.Bench.DocumentBenchmark.RunAsync));
        command.Subcommands.Add(Verb("audit", "Audit-log appends/s on SQLite (and PostgreSQL), full verification time, inclusion proof p99", Sigill.Bench.AuditBenchmark.RunAsync));
        command.Subcommands.Add(Verb("backup", "Backup and restore of a synthetic cell (3,000 objects, 100 MB database) vs restic, same run", Sigill.Bench.BackupBenchmark.RunAsync));
        command.Subcommands.Add(Verb("transparency", "Merkle root of 1,000,000 leaves vs raw SHA-256, inclusion proof latency", Sigill.Bench.TransparencyBenchmark.RunAsync));
        return command;
    }

    private static Command Verb(string name, string description, Func<TextWriter, CancellationToken, Task<int>> run)
    {
        var command = new Command(name, description);
        command.SetAction((_, ct) => run(Console.Out, ct));
        return command;
    }
}
