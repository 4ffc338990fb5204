using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Sigill.Api.Features.Backups;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;

namespace Sigill.Bench;

/// <summary>
/// `sigill bench backup`: one synthetic cell (a few thousand encrypted objects and a ~100 MB SQLite database), backed
/// up and restored by Sigill and by restic (the Debian package) in the same run. Goal: Sigill faster than restic in
/// both directions, archive size within 10% of restic's repository. Returns 0 when met, 2 when missed, 3 without restic.
/// With <c>smoke</c> the same path runs on 60 objects and a ~1 MB database, with or without restic; the goal is not
/// judged and it returns 0 once the table is printed.
/// </summary>
public static class BackupBenchmark
{
    public static async Task<int> RunAsync(TextWriter output, bool smoke, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var (objects, databaseBytes) = smoke ? (60, 1_000_000L) : (3000, 100L * 1000 * 1000);
        var restic = FindOnPath("restic");
        if (restic is null)
        {
            await output.WriteLineAsync("restic is not installed (apt-get install restic): no baseline to compare with");
            if (!smoke)
            {
                return 3;
            }
        }
        var root = Directory.CreateTempSubdirectory("sigill-bench-backup-").FullName;
        try
        {
            var cellDir = Path.Combine(root, "data", "eu");
            var master = Path.Combine(root, "master.key");
            await File.WriteAllTextAsync(master, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ct);
            File.SetUnixFileMode(master, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var options = new CellOptions
            {
                Database = new DatabaseOptions { Provider = "sqlite", ConnectionString = $"Data Source={Path.Combine(cellDir, "sigill.db")}" },
                Blobs = new BlobStoreOptions { Provider = "filesystem", Path = Path.Combine(cellDir, "blobs") },
                Keys = new KeyProviderOptions { KeyringDirectory = Path.Combine(root, "keys"), MasterKeyFile = master },
            };
            using var cell = new Cell("eu", options);
            await cell.MigrateAsync(ct);
            var (objectBytes, dbBytes) = await GenerateAsync(cell, Path.Combine(cellDir, "sigill.db"), objects, databaseBytes, ct);
            SqliteConnection.ClearAllPools();
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Data set: {objects} encrypted objects ({objectBytes / 1e6:F1} MB) + SQLite database ({dbBytes / 1e6:F1} MB); MB = 10^6 bytes; {Environment.ProcessorCount} cores"));

            var rows = new List<(string Name, double Backup, long Size, double Restore)>();
            if (restic is not null)
            {
                // restic: repository with a password file, backup of the cell folder (database + blobs), restore.
                var repo = Path.Combine(root, "restic-repo");
                var password = Path.Combine(root, "restic-password");
                await File.WriteAllTextAsync(password, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), ct);
                var env = new Dictionary<string, string> { ["RESTIC_REPOSITORY"] = repo, ["RESTIC_PASSWORD_FILE"] = password, ["RESTIC_CACHE_DIR"] = Path.Combine(root, "restic-cache") };
                await RunAsync(restic, ["init"], env, ct);
                var resticBackup = await TimeAsync(() => RunAsync(restic, ["backup", "--quiet", cellDir], env, ct));
                var resticSize = FolderSize(repo);
                var resticRestore = await TimeAsync(() => RunAsync(restic, ["restore", "latest", "--quiet", "--target", Path.Combine(root, "restic-restored")], env, ct));
                rows.Add(("restic (zstd auto)", resticBackup, resticSize, resticRestore));
            }
            foreach (var (name, compression, quality) in new[] { ("sigill (ZLib fastest)", EntryCompression.ZLib, 0), ("sigill (Brotli q3)", EntryCompression.Brotli, 3), ("sigill (Brotli q4)", EntryCompression.Brotli, 4) })
            {
                ArchiveEntryWriter.BrotliQuality = quality;
                var outDir = Path.Combine(root, $"sigill-{compression}-{quality}");
                BackupResult? result = null;
                var phases = new List<(string Phase, double At)>();
                var clock = Stopwatch.StartNew();
                var trace = new SyncProgress<BackupProgress>(p =>
                {
                    if (phases.Count == 0 || phases[^1].Phase != p.Phase)
                    {
                        phases.Add((p.Phase, clock.Elapsed.TotalSeconds));
                    }
                });
                var backup = await TimeAsync(async () => result = await CellBackup.CreateAsync(cell, outDir, TimeProvider.System, trace, ct, compression));
                await output.WriteLineAsync($"  {name}: " + string.Join(", ", phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase} from {p.At:F2} s"))) + string.Create(CultureInfo.InvariantCulture, $", done {backup:F2} s"));
                var restoreTarget = Path.Combine(root, $"restored-{compression}-{quality}", "eu");
                var restore = await TimeAsync(() => CellRestore.RestoreEmbeddedAsync(result!.File, cell.KeyProvider, restoreTarget, TimeProvider.System, null, ct));
                rows.Add((name, backup, result!.ArchiveBytes, restore));
            }
            ArchiveEntryWriter.BrotliQuality = 4;

            await output.WriteLineAsync($"{"",-24}{"backup s",10}{"size MB",10}{"restore s",11}{"backup×",10}{"size×",8}{"restore×",10}");
            // Without restic (smoke only) the first Sigill row stands in as the baseline, so the × columns read 1.
            var baseline = rows[0];
            foreach (var row in rows)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Name,-24}{row.Backup,10:F2}{row.Size / 1e6,10:F1}{row.Restore,11:F2}{baseline.Backup / row.Backup,10:F2}{(double)row.Size / baseline.Size,8:F3}{baseline.Restore / row.Restore,10:F2}"));
            }
            await output.WriteLineAsync("× columns: restic's time / ours (above 1 = faster than restic); our size / restic's (goal ≤ 1.10).");
            if (smoke)
            {
                await output.WriteLineAsync("smoke run: goal not judged");
                return 0;
            }
            var sigill = rows[1];
            var met = sigill.Backup < baseline.Backup && sigill.Restore < baseline.Restore && sigill.Size <= baseline.Size * 1.10;
            await output.WriteLineAsync(met ? "goal met (ZLib fastest, the default): faster than restic both ways, size within 10%" : "goal MISSED (ZLib fastest, the default)");
            return met ? 0 : 2;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Objects of 2–120 KB under 20 organizations; a database padded with event-like rows (ids, times, JSON, base64 tokens).</summary>
    private static async Task<(long Objects, long Database)> GenerateAsync(Cell cell, string databaseFile, int objects, long databaseBytes, CancellationToken ct)
    {
        var orgs = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var org = SigillId.New("org", "eu");
            await cell.Keys.CreateOrganizationKeysAsync(org, ct);
            orgs.Add(org);
        }
        long objectBytes = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
        {
            var content = RandomNumberGenerator.GetBytes(2000 + RandomNumberGenerator.GetInt32(118_000));
            await cell.Objects.PutAsync(new ObjectContext("eu", orgs[i % orgs.Count], $"doc_eu_{i:D6}", 1, "document"), new MemoryStream(content), token);
            Interlocked.Add(ref objectBytes, content.Length);
        });
        await using (var connection = new SqliteConnection($"Data Source={databaseFile}"))
        {
            await connection.OpenAsync(ct);
            await using (var create = connection.CreateCommand())
            {
                create.CommandText = "CREATE TABLE bench_events (id INTEGER PRIMARY KEY, org TEXT, action TEXT, at TEXT, token TEXT, detail TEXT)";
                await create.ExecuteNonQueryAsync(ct);
            }
            await using var transaction = connection.BeginTransaction();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO bench_events (org, action, at, token, detail) VALUES ($o, $a, $t, $k, $d)";
            var o = insert.Parameters.Add("$o", SqliteType.Text);
            var a = insert.Parameters.Add("$a", SqliteType.Text);
            var t = insert.Parameters.Add("$t", SqliteType.Text);
            var k = insert.Parameters.Add("$k", SqliteType.Text);
            var d = insert.Parameters.Add("$d", SqliteType.Text);
            string[] actions = ["document.viewed", "document.sent", "recipient.signed", "document.completed", "api_token.used"];
            var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            long written = 0;
            for (var i = 0; written < databaseBytes * 85 / 100; i++)
            {
                o.Value = orgs[i % orgs.Count];
                a.Value = actions[i % actions.Length];
                t.Value = start.AddSeconds(i * 7).ToString("O", CultureInfo.InvariantCulture);
                k.Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
                d.Value = string.Create(CultureInfo.InvariantCulture, $"{{\"document\":\"doc_eu_{i % objects:D6}\",\"ip\":\"203.0.113.{i % 250}\",\"page\":{i % 12},\"client\":\"Mozilla/5.0 (X11; Linux x86_64)\"}}");
                insert.ExecuteNonQuery();
                written += 64 + ((string)d.Value).Length + ((string)t.Value).Length + ((string)a.Value).Length + ((string)o.Value).Length + 8;
            }
            await transaction.CommitAsync(ct);
        }
        return (objectBytes, new FileInfo(databaseFile).Length);
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed.TotalSeconds;
    }

    private static long FolderSize(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    private static async Task RunAsync(string tool, string[] arguments, Dictionary<string, string> environment, CancellationToken ct)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(tool)} {arguments[0]} failed: {await stderr}");
        }
    }
}
