using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Sigill.Api.Features.Alerts;
using Sigill.Api.Features.Backups;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Jobs;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>
/// Faults the issue names — a full disk during a backup, a PostgreSQL restart during a job, a corrupt archive on
/// restore: each gives a clear error, leaves no partial result, raises an alert through the dispatcher, and the job is
/// retried. Real tmpfs mounts and a real throwaway PostgreSQL (the suite runs as root).
/// </summary>
public sealed class FaultTests
{
    [Fact]
    public async Task A_full_disk_during_a_backup_fails_cleanly_raises_an_alert_and_the_retried_job_succeeds_once_there_is_room()
    {
        var options = new AlertOptions { Primary = new AlertContact { Email = "oncall@example.test" } };
        await using var cell = await AlertTestCell.CreateAsync(options, backups: true);
        var target = Path.Combine(cell.Directory, "backups");
        var backups = new BackupOptions { Directory = target };
        cell.Handlers.Add(new BackupJobHandler(backups, cell.Time, NullLogger<BackupJobHandler>.Instance));
        var (org, _, _) = await OrganizationFactory.CreateAsync(cell.Cell, "Full Disk AB", "Owner token", cell.Time, CancellationToken.None);
        for (var i = 0; i < 4; i++)
        {
            var context = new Sigill.Crypto.ObjectContext("eu", org.Id, $"doc_eu_disk{i}", 1, "document");
            await cell.Cell.Objects.PutAsync(context, new MemoryStream(System.Security.Cryptography.RandomNumberGenerator.GetBytes(100_000)), CancellationToken.None);
        }

        await using (var disk = await Tmpfs.MountAsync("128k", at: target))
        {
            await JobQueue.EnqueueNowAsync(cell.Cell, JobRequest.Text(BackupJobHandler.JobKind, "eu", "backup:disk"), cell.Time, cell.Jobs);
            await cell.DrainAsync();
            var failed = await JobAsync(cell.Cell, "backup:disk");
            Assert.Equal(JobState.Queued, failed.State); // retried later, not dead
            Assert.Equal(1, failed.Attempts);
            Assert.Contains($"cannot write the backup of eu to {target}: No space left on device", failed.LastError, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(target)); // no partial archive, no temp file

            await cell.EvaluateAsync();
            await cell.DrainAsync();
            var alert = Assert.Single(await cell.AlertsAsync(), a => a.Rule == AlertRules.BackupFailing.Name);
            Assert.Contains("No space left on device", alert.Summary, StringComparison.Ordinal);
            Assert.Contains(cell.OutboxMails(), m => m.Contains("SigillBackupFailing", StringComparison.Ordinal));

            await disk.GrowAsync("64m"); // the operator makes room
            cell.Time.Advance(TimeSpan.FromMinutes(1));
            await cell.DrainAsync();
            var done = await JobAsync(cell.Cell, "backup:disk");
            Assert.Equal(JobState.Succeeded, done.State);
            Assert.Equal(2, done.Attempts);
            var archive = Assert.Single(Directory.GetFiles(target));
            Assert.True((await BackupArchive.VerifyAsync(archive, cell.Cell.KeyProvider, null, CancellationToken.None)).Blobs >= 4);

            await cell.EvaluateAsync();
            Assert.Equal("resolved", Assert.Single(await cell.AlertsAsync(), a => a.Rule == AlertRules.BackupFailing.Name).State);
        }
    }

    [Fact]
    public async Task A_postgres_restart_during_a_job_raises_a_cell_alert_and_the_job_is_retried_without_a_partial_result()
    {
        await using var postgres = await ThrowawayPostgres.StartAsync();
        var options = new AlertOptions { Primary = new AlertContact { Email = "oncall@example.test" } };
        using var keys = new TempDirectory();
        var cellOptions = await TestServices.CellOptionsAsync("sqlite", keys);
        cellOptions.Database = new DatabaseOptions { Provider = "postgres", ConnectionString = await postgres.CreateDatabaseAsync("cell") };
        await using var cell = await AlertTestCell.CreateAsync(options, cellOptions: cellOptions);
        var handler = new BlockingDatabaseJob();
        cell.Handlers.Add(handler);
        await JobQueue.EnqueueNowAsync(cell.Cell, JobRequest.Text(BlockingDatabaseJob.JobKind, "work", "db-work"), cell.Time, cell.Jobs);

        var drain = Task.Run(cell.DrainAsync);
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await postgres.StopAsync(); // mid-job
        handler.Release.SetResult();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => drain); // the worker cannot even record the failure
        Assert.True(error is System.Data.Common.DbException or InvalidOperationException, error.ToString());

        await cell.EvaluateAsync(); // down: the condition must hold for a minute first
        Assert.DoesNotContain(cell.OutboxMails(), m => m.Contains("SigillCellUnavailable", StringComparison.Ordinal));
        cell.Time.Advance(TimeSpan.FromSeconds(61));
        await cell.EvaluateAsync();
        var page = Assert.Single(cell.OutboxMails(), m => m.Contains("SigillCellUnavailable", StringComparison.Ordinal));
        Assert.Contains($"cell 'eu' cannot reach its postgres database at postgres://127.0.0.1:{postgres.Port}/cell", page.Replace("=\r\n", "", StringComparison.Ordinal).Replace("\r\n ", " ", StringComparison.Ordinal), StringComparison.Ordinal);

        await postgres.StartAgainAsync();
        cell.Time.Advance(cell.Jobs.Lease + TimeSpan.FromSeconds(1)); // the dead claim's lease runs out
        Assert.True(await cell.DrainAsync() >= 1);
        var job = await JobAsync(cell.Cell, "db-work");
        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal(2, job.Attempts);
        Assert.Equal(2, handler.Runs);
        await using (var db = cell.Cell.CreateDbContext())
        {
            Assert.Equal(1, await db.Jobs.CountAsync(j => j.IdempotencyKey == BlockingDatabaseJob.Marker)); // the first run's write never landed
        }

        await cell.EvaluateAsync(); // back: the outage becomes a resolved alert in the cell, audited, and the contact hears so
        var alert = Assert.Single(await cell.AlertsAsync(), a => a.Rule == AlertRules.CellUnavailable.Name);
        Assert.Equal("resolved", alert.State);
        // Refused decryptions are counted process-wide, so a tamper test running beside this one may add a
        // CryptoIntegrityFailure alert to this cell; nothing else may fire or resolve.
        var others = (await cell.AlertsAsync()).Where(a => a.Rule != AlertRules.CellUnavailable.Name).ToList();
        Assert.All(others, a => Assert.Equal(AlertRules.CryptoIntegrityFailure.Name, a.Rule));
        string[] expected = ["alert.fired", "alert.resolved", .. others.Select(_ => "alert.fired")];
        Assert.Equal(expected.Order(StringComparer.Ordinal), (await cell.AuditActionsAsync()).Order(StringComparer.Ordinal));
        await cell.DrainAsync();
        Assert.Contains(cell.OutboxMails(), m => m.Contains("RESOLVED SigillCellUnavailable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restoring_a_corrupt_or_truncated_archive_fails_and_leaves_the_target_empty()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Restore Fault AB", "eu");
        await app.Cells.Get("eu").Objects.PutAsync(new Sigill.Crypto.ObjectContext("eu", org.OrganizationId, "doc_eu_restorefault", 1, "document"),
            new MemoryStream(System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000)), CancellationToken.None);
        await app.StopServerAsync();
        using var target = new TempDirectory();
        var backup = await SigillProcess.RunAsync(TimeSpan.FromMinutes(2), "backup", "--data", app.DataDirectory, "--region", "eu", "--to", target.Combine("archives"));
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        var bytes = await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(target.Combine("archives"))));
        var flipped = (byte[])bytes.Clone();
        flipped[^5000] ^= 0x40; // late in the archive: the restore has already written entries when it meets the damage

        foreach (var (name, content, expected) in new[] { ("corrupt", flipped, "error: the archive is corrupt"), ("truncated", bytes[..^3000], "error: the archive is truncated") })
        {
            var file = target.Combine(name + ".sgbk");
            await File.WriteAllBytesAsync(file, content);
            var data = target.Combine("restored-" + name);
            var restore = await SigillProcess.RunAsync(TimeSpan.FromMinutes(2), "restore", file, "--data", data, "--keyring-from", app.DataDirectory);
            Assert.Equal(1, restore.ExitCode);
            Assert.StartsWith(expected, restore.Stderr.Trim(), StringComparison.Ordinal);
            var cellDirectory = Path.Combine(data, "eu");
            Assert.False(Directory.Exists(cellDirectory) && Directory.EnumerateFileSystemEntries(cellDirectory).Any(e => Path.GetFileName(e) is not ("keys" or "master.key")),
                $"{name}: the restore left data behind: {string.Join(", ", Directory.Exists(cellDirectory) ? Directory.EnumerateFileSystemEntries(cellDirectory).Select(Path.GetFileName) : [])}");
        }
    }

    private static async Task<JobRow> JobAsync(Cell cell, string idempotencyKey)
    {
        await using var db = cell.CreateDbContext();
        return await db.Jobs.AsNoTracking().SingleAsync(j => j.IdempotencyKey == idempotencyKey);
    }

    /// <summary>Waits for the test's signal, then writes a marker row; the write and the job's completion share nothing but the database.</summary>
    private sealed class BlockingDatabaseJob : IJobHandler
    {
        public const string JobKind = "test.db-work";
        public const string Marker = "test:db-work-marker";
        private int _runs;

        public string Kind => JobKind;
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Runs => _runs;

        public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _runs) == 1)
            {
                Started.SetResult();
                await Release.Task;
            }
            await JobQueue.EnqueueNowAsync(job.Cell, new JobRequest("test.marker", IdempotencyKey: Marker), TimeProvider.System, null, cancellationToken);
        }
    }
}
