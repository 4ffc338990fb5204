using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;

namespace Sigill.Bench;

/// <summary>
/// Audit-log budgets from issue 5, on a real cell (keys, encryption, database): sustained appends of at
/// least 20,000 events/s on SQLite (PostgreSQL reported), full verification of 1,000,000 events in at
/// most 10 s, an inclusion proof in at most 1 ms at p99.
/// <para>
/// "Append" is what the log does per event: the sequencer's passes that give waiting events their leaf,
/// position seal and a signed checkpoint (one transaction per batch). "Record" (encrypt and insert in the
/// writer's own transaction, 1,000 per commit here) is reported beside it, and so is the whole path
/// (record + append). Each run records and sequences <c>--events</c> more events into the same log; figures
/// are medians over <c>--runs</c>. Verification runs over the whole log (runs × events), both the full way
/// (decrypt every event) and from stored commitments; it is extrapolated to 1,000,000 only when the log is
/// smaller, and the output says which.
/// </para>
/// <para>Baselines, timed in the same run on the same database: a prepared INSERT of the same number of
/// 32-byte rows (batched like the sequencer), and reading the commitments back with a plain data reader.</para>
/// </summary>
public static class AuditBenchmark
{
    private const int RecordBatch = 1_000;
    private const int ProofSamples = 10_000;
    private const double AppendBudget = 20_000;
    private static readonly TimeSpan VerifyBudget = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProofBudget = TimeSpan.FromMilliseconds(1);

    /// <param name="output">Where the figures go.</param>
    /// <param name="events">Events recorded and appended per run.</param>
    /// <param name="runs">Runs per provider (figures are medians).</param>
    /// <param name="postgres">A PostgreSQL connection string allowed to create a database; null skips PostgreSQL.</param>
    /// <param name="smoke">A seconds-long run of the same path (the test suite's): budgets printed, not judged; only a failed verification returns 1.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<int> RunAsync(TextWriter output, int events, int runs, string? postgres, bool smoke, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(ci, $"audit: {runs} runs of {events:N0} events per provider, {Environment.ProcessorCount} cores (medians)"));
        bool ok = await RunProviderAsync("sqlite", null, events, runs, smoke, output, ct);
        if (postgres is { Length: > 0 })
        {
            var name = "bench_" + Guid.NewGuid().ToString("N");
            await ExecuteAdminAsync(postgres, $"CREATE DATABASE \"{name}\"", ct);
            try
            {
                ok &= await RunProviderAsync("postgres", new NpgsqlConnectionStringBuilder(postgres) { Database = name }.ConnectionString, events, runs, smoke, output, ct);
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAdminAsync(postgres, $"DROP DATABASE IF EXISTS \"{name}\"", ct);
            }
        }
        else
        {
            output.WriteLine("  postgres: skipped (pass --postgres or set SIGILL_BENCH_POSTGRES to a connection string that may create databases)");
        }
        output.WriteLine(smoke ? (ok ? "  smoke run, budgets not judged; verification ok" : "  VERIFICATION FAILED") : ok ? "  within budget" : "  OVER BUDGET");
        return ok ? 0 : 1;
    }

    private static async Task ExecuteAdminAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
#pragma warning disable CA2100 // the database name is a fresh GUID, never input (CREATE DATABASE takes no parameters)
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> RunProviderAsync(string provider, string? postgres, int events, int runs, bool smoke, TextWriter output, CancellationToken ct)
    {
        var ci = CultureInfo.InvariantCulture;
        var directory = Directory.CreateTempSubdirectory("sigill-bench-audit-");
        try
        {
            var master = Path.Combine(directory.FullName, "master.key");
            await File.WriteAllTextAsync(master, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ct);
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
            var auditOptions = new AuditOptions { InstallationId = "bench" };
            await log!.InitializeAsync(auditOptions, TimeProvider.System, ct);
            var actor = new AuditActor("tok_eu_bench", "203.0.113.7");

            var insertBaseline = new List<double>();
            var recordRates = new List<double>();
            var appendRates = new List<double>();
            var wholeRates = new List<double>();
            var recordCpu = new List<double>();
            var appendCpu = new List<double>();
            for (int run = 0; run < runs; run++)
            {
                insertBaseline.Add(events / (await InsertBaselineAsync(cell, events, auditOptions.BatchSize, ct)).TotalSeconds);

                // Record: writers encrypt and insert in their own transactions.
                var cpu = Cpu();
                var record = Stopwatch.StartNew();
                for (int done = 0; done < events; done += RecordBatch)
                {
                    await using var db = cell.CreateDbContext();
                    for (int i = done; i < Math.Min(events, done + RecordBatch); i++)
                    {
                        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("document.viewed", org, actor, "doc_eu_" + i.ToString(ci),
                            new Dictionary<string, string> { ["page"] = "1" }), DateTime.UtcNow, ct);
                    }
                    await db.SaveChangesAsync(ct);
                }
                record.Stop();
                recordCpu.Add((Cpu() - cpu).TotalMicroseconds / events);

                // Append: the sequencer's passes over the backlog, each one transaction with its checkpoint.
                cpu = Cpu();
                var append = Stopwatch.StartNew();
                while (await log.SequenceOnceAsync(auditOptions.BatchSize, TimeProvider.System, ct) > 0)
                {
                }
                append.Stop();
                appendCpu.Add((Cpu() - cpu).TotalMicroseconds / events);
                recordRates.Add(events / record.Elapsed.TotalSeconds);
                appendRates.Add(events / append.Elapsed.TotalSeconds);
                wholeRates.Add(events / (record.Elapsed + append.Elapsed).TotalSeconds);
            }
            long size = log.Tree.Size;
            double appendRate = Median(appendRates);
            output.WriteLine(string.Create(ci, $"  {provider}: append (sequence + seal + checkpoint) {appendRate,9:N0} events/s; baseline prepared INSERT of 32-byte rows {Median(insertBaseline),9:N0} rows/s (append = {appendRate / Median(insertBaseline):P0} of it); CPU {Median(appendCpu):F1} us/event"));
            output.WriteLine(string.Create(ci, $"  {provider}: record (encrypt + insert, {RecordBatch} per commit) {Median(recordRates),9:N0} events/s; record + append {Median(wholeRates),9:N0} events/s; record CPU {Median(recordCpu):F1} us/event"));

            var readBaseline = new List<TimeSpan>();
            var full = new List<TimeSpan>();
            var structure = new List<TimeSpan>();
            var fullCpu = new List<double>();
            AuditVerificationReport? fullReport = null, structureReport = null;
            for (int run = 0; run < runs; run++)
            {
                readBaseline.Add(await ReadBaselineAsync(cell, ct));
                var cpu = Cpu();
                var watch = Stopwatch.StartNew();
                fullReport = await AuditVerification.VerifyAsync(cell, null, ct);
                full.Add(watch.Elapsed);
                fullCpu.Add((Cpu() - cpu).TotalMicroseconds / size);
                watch.Restart();
                structureReport = await AuditVerification.VerifyAsync(cell, null, ct, decrypt: false);
                structure.Add(watch.Elapsed);
            }
            var scale = 1_000_000.0 / size;
            var how = size >= 1_000_000 ? "measured" : "extrapolated";
            var fullMillion = Median(full) * scale;
            var structureMillion = Median(structure) * scale;
            output.WriteLine(string.Create(ci, $"  {provider}: full verification (decrypt, recompute, seals, tree, checkpoints) of {size:N0} events {Median(full).TotalMilliseconds:F0} ms = {fullMillion.TotalSeconds:F1} s per 1,000,000 ({how}), CPU {Median(fullCpu):F1} us/event on all cores; {fullReport!.Summary}"));
            output.WriteLine(string.Create(ci, $"  {provider}: verification from stored commitments (seals, tree, checkpoints; --commitments-only) {Median(structure).TotalMilliseconds:F0} ms = {structureMillion.TotalSeconds:F1} s per 1,000,000 ({how}); {structureReport!.Summary}"));
            output.WriteLine(string.Create(ci, $"  {provider}: baseline reading the {size:N0} commitments with a plain data reader {Median(readBaseline).TotalMilliseconds:F0} ms (full verification = {Median(full) / Median(readBaseline):F1}x, from commitments = {Median(structure) / Median(readBaseline):F1}x)"));

            var p99s = new List<TimeSpan>();
            for (int run = 0; run < runs; run++)
            {
                var ticks = new long[ProofSamples];
                for (int s = 0; s < ProofSamples; s++)
                {
                    long index = RandomNumberGenerator.GetInt32((int)Math.Min(int.MaxValue, size));
                    long start = Stopwatch.GetTimestamp();
                    _ = log.Tree.InclusionProof(index, size);
                    ticks[s] = Stopwatch.GetTimestamp() - start;
                }
                Array.Sort(ticks);
                p99s.Add(Stopwatch.GetElapsedTime(0, ticks[(ProofSamples * 99 / 100) - 1]));
            }
            var p99 = Median(p99s);
            output.WriteLine(string.Create(ci, $"  {provider}: inclusion proof at size {size:N0}: p99 {p99.TotalMicroseconds:F1} us"));
            // The append budget is for SQLite; PostgreSQL is reported.
            return fullReport.Ok && structureReport.Ok && (smoke || (p99 <= ProofBudget && fullMillion <= VerifyBudget
                && (provider != "sqlite" || appendRate >= AppendBudget)));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>A prepared INSERT of <paramref name="rows"/> (index, 32-byte value) rows into a scratch table, one transaction per batch.</summary>
    private static async Task<TimeSpan> InsertBaselineAsync(Cell cell, int rows, int batch, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, "DROP TABLE IF EXISTS bench_baseline", ct);
        await ExecuteAsync(connection, "CREATE TABLE bench_baseline (i BIGINT PRIMARY KEY, v " + (cell.DatabaseProvider == "postgres" ? "BYTEA" : "BLOB") + " NOT NULL)", ct);
        var value = RandomNumberGenerator.GetBytes(32);
        var watch = Stopwatch.StartNew();
        for (int done = 0; done < rows; done += batch)
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = "INSERT INTO bench_baseline (i, v) VALUES (@i, @v)";
            var i = command.CreateParameter();
            i.ParameterName = "@i";
            i.Value = 0L;
            var v = command.CreateParameter();
            v.ParameterName = "@v";
            v.Value = value;
            command.Parameters.Add(i);
            command.Parameters.Add(v);
            await command.PrepareAsync(ct);
            for (int n = done; n < Math.Min(rows, done + batch); n++)
            {
                i.Value = (long)n;
                await command.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        var elapsed = watch.Elapsed;
        await ExecuteAsync(connection, "DROP TABLE bench_baseline", ct);
        return elapsed;
    }

    /// <summary>Reads every sequenced commitment in leaf order with a plain data reader.</summary>
    private static async Task<TimeSpan> ReadBaselineAsync(Cell cell, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT "Commitment" FROM audit_events WHERE "LeafIndex" IS NOT NULL ORDER BY "LeafIndex" """;
        var watch = Stopwatch.StartNew();
        long bytes = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                bytes += ((byte[])reader.GetValue(0)).Length;
            }
        }
        return bytes > 0 ? watch.Elapsed : TimeSpan.Zero;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // fixed statements of this benchmark
        command.CommandText = sql;
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>This process's CPU time (all threads): the machine is shared, so wall-clock rates are shown with the CPU they took.</summary>
    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static TimeSpan Median(List<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
