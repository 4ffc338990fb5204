using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Backups;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;

namespace Sigill.Api.Platform.Telemetry;

/// <summary>Jobs of one kind in one state: how many, and how long the oldest due one has waited since it became due.</summary>
public sealed record JobGauge(string Kind, string State, int Count, double? OldestDueAgeSeconds);

/// <summary>
/// What the probe saw of one cell. <see cref="Available"/> false means its database or blob store did not answer
/// (<see cref="Problem"/> says which, without credentials); the other fields are then empty.
/// <see cref="MailQueueAgeSeconds"/>: how long the oldest message in the mail queue has waited (0 when none waits).
/// </summary>
public sealed record CellStatus(
    string Region, DateTimeOffset At, bool Available, string? Problem,
    IReadOnlyList<JobGauge> Jobs, double? BackupAgeSeconds, string? BackupFailure, double? MailQueueAgeSeconds = null);

/// <summary>
/// Reads the operational state of every cell — reachability, the job queue by kind and state, the age of the newest
/// backup archive, a failing backup job, the wait of the mail queue — for the metrics and for the alert dispatcher, so both judge the same
/// numbers. Gauges are synchronous, so they read the last snapshot, which this service refreshes every
/// <see cref="Interval"/>; the alert dispatcher takes a fresh one for every evaluation.
/// </summary>
public sealed class CellProbe(CellRegistry cells, BackupOptions backups, TimeProvider time) : Microsoft.Extensions.Hosting.BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    /// <summary>Job states as exported: <c>queued</c>, <c>retrying</c> (queued again after a failure), <c>running</c>, <c>dead_lettered</c>.</summary>
    public static readonly string[] States = ["queued", "retrying", "running", "dead_lettered"];

    private readonly DateTimeOffset _started = time.GetUtcNow();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IReadOnlyList<CellStatus> _latest = [];

    public IReadOnlyList<CellStatus> Latest => _latest;

    public async Task<IReadOnlyList<CellStatus>> RefreshAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var statuses = new List<CellStatus>();
            foreach (var cell in cells.All)
            {
                statuses.Add(await ProbeAsync(cell, ct));
            }
            _latest = statuses;
            return statuses;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<CellStatus> ProbeAsync(Cell cell, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        try
        {
            await cell.CheckAsync(ct);
            var (jobs, backupFailure) = await JobQueue.GaugesAsync(cell, time, ct);
            var mail = await Mail.MailQueue.OldestAgeAsync(cell, time, ct);
            return new CellStatus(cell.Region, at, true, null, jobs, BackupAge(cell.Region, at), backupFailure, mail.TotalSeconds);
        }
        catch (Exception e) when (e is CellUnavailableException or System.Data.Common.DbException or InvalidOperationException or TimeoutException or DbUpdateException)
        {
            var problem = e is CellUnavailableException ? e.Message : $"cell '{cell.Region}' cannot read its job queue ({e.GetType().Name})";
            return new CellStatus(cell.Region, at, false, problem, [], BackupAge(cell.Region, at), null);
        }
    }

    /// <summary>Seconds since the newest archive of the region in <c>Backups:Directory</c> (since this host started when there is none); null without a backup directory.</summary>
    private double? BackupAge(string region, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(backups.Directory))
        {
            return null;
        }
        var since = BackupDrill.LatestAt(backups.Directory, region) ?? _started;
        return Math.Max(0, (now - since).TotalSeconds);
    }
}
