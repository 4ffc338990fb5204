using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sigill.Api.Features.Backups;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Jobs;
using Sigill.Crypto;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Backups;

public sealed class BackupTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_backup_verifies_and_restores_into_an_empty_installation_with_every_object_readable()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Backed Up AB", "eu");
        var contexts = await PutObjectsAsync(app, org.OrganizationId, 5);
        await app.StopServerAsync();
        using var target = new TempDirectory();

        var backup = await SigillProcess.RunAsync(Generous, "backup", "--data", app.DataDirectory, "--to", target.Combine("backups"));
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        var archives = Directory.GetFiles(target.Combine("backups"));
        Assert.Equal(2, archives.Length); // one per region, nothing else (no temp files)
        var eu = Assert.Single(archives, a => Path.GetFileName(a).StartsWith("sigill-eu-", StringComparison.Ordinal));
        Assert.Matches(@"^sigill-eu-\d{8}T\d{6}Z\.sgbk$", Path.GetFileName(eu));
        // Encrypted: neither the organization's name nor SQLite's header appear in the archive.
        var bytes = await File.ReadAllBytesAsync(eu);
        Assert.True(bytes.AsSpan().IndexOf("SQLite format 3"u8) < 0);
        Assert.True(bytes.AsSpan().IndexOf("Backed Up AB"u8) < 0);

        var verify = await SigillProcess.RunAsync(Generous, "backup", "verify", eu, "--data", app.DataDirectory);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains("OK, region eu", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("every SHA-256 matches", verify.Stdout, StringComparison.Ordinal);

        var restored = target.Combine("restored");
        var restore = await SigillProcess.RunAsync(Generous, "restore", eu, "--data", restored, "--keyring-from", app.DataDirectory);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Contains("restored region eu", restore.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(restored), e => Path.GetFileName(e).StartsWith(".restore", StringComparison.Ordinal));

        using var cells = TestCells.Open(restored);
        var cell = cells.Get("eu");
        await cell.MigrateAsync(CancellationToken.None);
        foreach (var context in contexts)
        {
            using var plain = new MemoryStream();
            Assert.True(await cell.Objects.CopyToAsync(context, plain, CancellationToken.None));
            Assert.Equal("content of " + context.ObjectId, Encoding.UTF8.GetString(plain.ToArray()));
        }
        await using var db = cell.CreateDbContext();
        var row = db.Organizations.Single(o => o.Id == org.OrganizationId);
        Assert.Equal("Backed Up AB", await cell.Keys.DecryptFieldAsync(row.Id, Organization.NamePurpose, row.NameToken, row.Id));
        Assert.True((await Sigill.Api.Features.Audit.AuditVerification.VerifyAsync(cell, null, CancellationToken.None)).Ok);

        // A second restore into the now non-empty installation is refused, naming the problem.
        var again = await SigillProcess.RunAsync(Generous, "restore", eu, "--data", restored);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Matches(@"^error: '.*/eu' is not empty; restore needs an empty installation", again.Stderr.Trim());
    }

    [Fact]
    public async Task A_corrupt_truncated_or_foreign_archive_fails_verification_with_one_clear_line()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Tamper AB", "us");
        await PutObjectsAsync(app, org.OrganizationId, 3, region: "us");
        await app.StopServerAsync();
        await using var other = await SigillApp.StartAsync(); // a different installation: different keys
        await other.StopServerAsync();
        using var target = new TempDirectory();
        var backup = await SigillProcess.RunAsync(Generous, "backup", "--data", app.DataDirectory, "--region", "us", "--to", target.Path);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        var archive = Assert.Single(Directory.GetFiles(target.Path));
        var bytes = await File.ReadAllBytesAsync(archive);

        async Task<SigillProcess> VerifyAsync(byte[] content, string data)
        {
            var file = target.Combine("case.sgbk");
            await File.WriteAllBytesAsync(file, content);
            return await SigillProcess.RunAsync(Generous, "backup", "verify", file, "--data", data);
        }

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x01;
        var corrupt = await VerifyAsync(flipped, app.DataDirectory);
        Assert.Equal(1, corrupt.ExitCode);
        Assert.Matches(@"^error: the archive is corrupt \(chunk \d+ fails authentication: modified bytes\)$", corrupt.Stderr.Trim());

        var truncated = await VerifyAsync(bytes[..(bytes.Length - 100)], app.DataDirectory);
        Assert.Equal(1, truncated.ExitCode);
        Assert.StartsWith("error: the archive is truncated", truncated.Stderr.Trim(), StringComparison.Ordinal);
        Assert.Single(truncated.Stderr.Trim().Split('\n'));

        var headerOnly = await VerifyAsync(bytes[..30], app.DataDirectory);
        Assert.Equal(1, headerOnly.ExitCode);
        Assert.StartsWith("error: the archive is truncated", headerOnly.Stderr.Trim(), StringComparison.Ordinal);

        var wrongKey = await VerifyAsync(bytes, other.DataDirectory);
        Assert.Equal(1, wrongKey.ExitCode);
        Assert.Matches(@"^error: the (key provider does not hold the backup key|backup key) development/us/backup/v1", wrongKey.Stderr.Trim());

        var notAnArchive = await VerifyAsync(Encoding.UTF8.GetBytes("hello, this is not a backup"), app.DataDirectory);
        Assert.Equal("error: not a Sigill backup archive (wrong magic bytes)", notAnArchive.Stderr.Trim());
    }

    [Fact]
    public async Task A_crypto_shredded_organization_stays_unreadable_in_an_old_backup()
    {
        await using var app = await SigillApp.StartAsync();
        var leaving = await app.SetUpOrganizationAsync("Leaving AB", "eu");
        var staying = await app.SetUpOrganizationAsync("Staying AB", "eu");
        var leavingObjects = await PutObjectsAsync(app, leaving.OrganizationId, 2);
        var stayingObjects = await PutObjectsAsync(app, staying.OrganizationId, 2);
        await app.StopServerAsync();
        using var target = new TempDirectory();

        string archive;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using (var cells = TestCells.Open(app.DataDirectory, time))
        {
            archive = (await CellBackup.CreateAsync(cells.Get("eu"), target.Combine("backups"), time, null, CancellationToken.None)).File;
            await cells.Get("eu").Keys.ScheduleShredAsync(leaving.OrganizationId);
            time.Advance(TimeSpan.FromDays(8)); // past the 7-day shred delay
            Assert.Equal([leaving.OrganizationId], await cells.Get("eu").Keys.ExecuteDueShredsAsync());
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        // The old backup, restored with today's keyring (which no longer holds the erasure key).
        var restored = target.Combine("restored");
        var restore = await SigillProcess.RunAsync(Generous, "restore", archive, "--data", restored, "--keyring-from", app.DataDirectory);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        using var restoredCells = TestCells.Open(restored);
        var cell = restoredCells.Get("eu");
        foreach (var context in leavingObjects)
        {
            var e = await Assert.ThrowsAsync<CryptoIntegrityException>(() => cell.Objects.CopyToAsync(context, Stream.Null, CancellationToken.None));
            Assert.Equal(CryptoFailureReason.KeyDestroyed, e.Reason);
        }
        await using (var db = cell.CreateDbContext())
        {
            var row = db.Organizations.Single(o => o.Id == leaving.OrganizationId);
            var e = await Assert.ThrowsAsync<CryptoIntegrityException>(() => cell.Keys.DecryptFieldAsync(row.Id, Organization.NamePurpose, row.NameToken, row.Id));
            Assert.Equal(CryptoFailureReason.KeyDestroyed, e.Reason);
        }
        foreach (var context in stayingObjects)
        {
            Assert.True(await cell.Objects.CopyToAsync(context, Stream.Null, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_restore_drill_restores_the_latest_archive_checks_a_sample_and_records_the_recovery_time()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Drill AB", "eu");
        await PutObjectsAsync(app, org.OrganizationId, 4);
        await app.StopServerAsync();
        using var target = new TempDirectory();
        Assert.Equal(0, (await SigillProcess.RunAsync(Generous, "backup", "--data", app.DataDirectory, "--region", "eu", "--to", target.Path)).ExitCode);

        var drill = await SigillProcess.RunAsync(Generous, "backup", "drill", "--data", app.DataDirectory, "--from", target.Path);
        Assert.True(drill.ExitCode == 0, drill.Stderr + drill.Stdout);
        Assert.Matches(@"drill eu: OK, sigill-eu-\S+\.sgbk restored in [\d.]+ s, recovery time [\d.]+ s; 1 of 1 organizations and 4 objects decrypted \(0 shredded, 0 failures\); audit log eu: OK", drill.Stdout);
        var record = await File.ReadAllLinesAsync(Path.Combine(app.DataDirectory, "eu", "drills.jsonl"));
        using var json = System.Text.Json.JsonDocument.Parse(Assert.Single(record));
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        Assert.True(json.RootElement.GetProperty("recoverySeconds").GetDouble() > 0);
    }

    [Fact]
    public async Task The_daily_backup_job_writes_an_archive_and_deletes_archives_past_the_retention()
    {
        await using var app = await SigillApp.StartAsync();
        await app.SetUpOrganizationAsync("Daily AB", "us");
        await app.StopServerAsync();
        using var target = new TempDirectory();
        var now = DateTimeOffset.UtcNow;
        var time = new FakeTimeProvider(now);
        var old = target.Combine(CellBackup.FileNameFor("us", now.AddDays(-40)));
        var recent = target.Combine(CellBackup.FileNameFor("us", now.AddDays(-30)));
        var otherRegion = target.Combine(CellBackup.FileNameFor("eu", now.AddDays(-40)));
        foreach (var file in new[] { old, recent, otherRegion })
        {
            await File.WriteAllTextAsync(file, "older archive");
        }
        using var cells = TestCells.Open(app.DataDirectory, time);
        var options = new BackupOptions { Directory = target.Path, RetentionDays = 35 };
        var jobs = new JobOptions();
        var scheduler = new BackupScheduler(cells, options, jobs, time, NullLogger<BackupScheduler>.Instance);
        await scheduler.ScheduleDueAsync(CancellationToken.None);
        await scheduler.ScheduleDueAsync(CancellationToken.None); // idempotent per day
        time.Advance(TimeSpan.FromDays(1)); // whatever the hour, today's 02:00 job is due
        var worker = new JobWorker(cells.Get("us"), [new BackupJobHandler(options, time, NullLogger<BackupJobHandler>.Instance)], jobs, time, NullLogger.Instance);
        Assert.Equal(1, await worker.DrainAsync(10, CancellationToken.None));

        Assert.False(File.Exists(old));
        Assert.True(File.Exists(recent));
        Assert.True(File.Exists(otherRegion)); // another region's archives are that region's job's business
        var written = Directory.GetFiles(target.Path, "sigill-us-*.sgbk").Where(f => f != recent).ToList();
        var archive = Assert.Single(written);
        Assert.True((await BackupArchive.VerifyAsync(archive, cells.Get("us").KeyProvider, null, CancellationToken.None)).Entries >= 2);
    }

    [Fact]
    public async Task A_backup_that_fails_part_way_leaves_no_file_that_looks_like_a_backup()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Interrupted AB", "eu");
        await PutObjectsAsync(app, org.OrganizationId, 3);
        await app.StopServerAsync();
        using var target = new TempDirectory();
        using var cells = TestCells.Open(app.DataDirectory);
        using var cancel = new CancellationTokenSource();
        var progress = new Sigill.Api.Features.Backups.SyncProgress<BackupProgress>(p =>
        {
            if (p.Phase == "database")
            {
                cancel.Cancel(); // as a killed process or a full disk would, mid-archive
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CellBackup.CreateAsync(cells.Get("eu"), target.Path, TimeProvider.System, progress, cancel.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target.Path));
    }

    /// <remarks>
    /// A backup killed mid-write (kill -9) never runs its clean-up, and its hidden partial archive stayed on the backup
    /// volume for ever (found by KillNineJobsTests). The next backup of the region removes it, but not a partial another
    /// process is still writing (held open with an exclusive lock), nor another region's.
    /// </remarks>
    [Fact]
    public async Task A_backup_removes_the_partial_archive_a_killed_backup_left_but_not_one_still_being_written()
    {
        await using var app = await SigillApp.StartAsync();
        await app.SetUpOrganizationAsync("Killed AB", "eu");
        await app.StopServerAsync();
        using var target = new TempDirectory();
        using var cells = TestCells.Open(app.DataDirectory);
        var abandoned = target.Combine(".sigill-eu-20261205T020000Z.sgbk.partial-0badf00d");
        await File.WriteAllBytesAsync(abandoned, new byte[4096]);
        await File.WriteAllBytesAsync(abandoned + ".db", new byte[4096]);
        var written = target.Combine(".sigill-eu-20261205T020001Z.sgbk.partial-5ca1ab1e");
        var otherRegion = target.Combine(".sigill-us-20261205T020000Z.sgbk.partial-0badf00d");
        await File.WriteAllBytesAsync(otherRegion, new byte[16]);
        await using (var writer = new FileStream(written, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None }))
        {
            var archive = (await CellBackup.CreateAsync(cells.Get("eu"), target.Path, TimeProvider.System, null, CancellationToken.None)).File;
            Assert.False(File.Exists(abandoned));
            Assert.False(File.Exists(abandoned + ".db"));
            Assert.True(File.Exists(written));
            Assert.True(File.Exists(otherRegion));
            Assert.True((await BackupArchive.VerifyAsync(archive, cells.Get("eu").KeyProvider, null, CancellationToken.None)).Entries >= 2);
        }
    }

    [Fact]
    public async Task A_postgres_cell_is_backed_up_with_pg_dump_and_restored_into_an_empty_database()
    {
        using var directory = new TempDirectory();
        var master = directory.Combine("master.key");
        await File.WriteAllTextAsync(master, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        File.SetUnixFileMode(master, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var keys = new KeyProviderOptions { KeyringDirectory = directory.Combine("keys"), MasterKeyFile = master };
        CellOptions Options(string connection, string blobs) => new()
        {
            Database = new DatabaseOptions { Provider = "postgres", ConnectionString = connection },
            Blobs = new BlobStoreOptions { Provider = "filesystem", Path = directory.Combine(blobs) },
            Keys = keys,
        };
        string archive;
        Sigill.Crypto.ObjectContext context;
        string orgId;
        using (var source = new Cell("eu", Options(await TestServices.CreatePostgresDatabaseAsync(), "blobs-a")))
        {
            await source.MigrateAsync(CancellationToken.None);
            (var org, _, _) = await OrganizationFactory.CreateAsync(source, "Postgres AB", "Owner", TimeProvider.System, CancellationToken.None);
            orgId = org.Id;
            context = new Sigill.Crypto.ObjectContext("eu", orgId, "doc_eu_pg", 1, "document");
            await source.Objects.PutAsync(context, new MemoryStream(Encoding.UTF8.GetBytes("pg content")), CancellationToken.None);
            archive = (await CellBackup.CreateAsync(source, directory.Combine("backups"), TimeProvider.System, null, CancellationToken.None)).File;
            var verified = await BackupArchive.VerifyAsync(archive, source.KeyProvider, null, CancellationToken.None);
            Assert.Equal("postgres", verified.Manifest.DatabaseProvider);
        }
        using var target = new Cell("eu", Options(await TestServices.CreatePostgresDatabaseAsync(), "blobs-b"));
        await CellRestore.RestoreIntoCellAsync(archive, target, TimeProvider.System, null, CancellationToken.None);
        Assert.Empty(await target.PendingMigrationsAsync(CancellationToken.None));
        using var plain = new MemoryStream();
        Assert.True(await target.Objects.CopyToAsync(context, plain, CancellationToken.None));
        Assert.Equal("pg content", Encoding.UTF8.GetString(plain.ToArray()));
        var again = await Assert.ThrowsAsync<BackupException>(() => CellRestore.RestoreIntoCellAsync(archive, target, TimeProvider.System, null, CancellationToken.None));
        Assert.Contains("is not empty", again.Message, StringComparison.Ordinal);
    }

    private static async Task<List<Sigill.Crypto.ObjectContext>> PutObjectsAsync(SigillApp app, string organizationId, int count, string region = "eu")
    {
        var contexts = Enumerable.Range(0, count).Select(i => new Sigill.Crypto.ObjectContext(region, organizationId, $"doc_{region}_{organizationId[^6..]}{i}", 1, "document")).ToList();
        foreach (var context in contexts)
        {
            await app.Cells.Get(region).Objects.PutAsync(context, new MemoryStream(Encoding.UTF8.GetBytes("content of " + context.ObjectId)), CancellationToken.None);
        }
        return contexts;
    }
}
