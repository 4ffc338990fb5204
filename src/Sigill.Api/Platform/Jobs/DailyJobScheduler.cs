using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Platform.Jobs;

/// <summary>
/// Enqueues one job of <see cref="Kind"/> per cell per day, due at <see cref="DueAtUtc"/> (a time of day; null: off).
/// The idempotency key <c>{KeyPrefix}:{region}:{date}</c> makes every API node's scheduler agree on one job per cell
/// per day; the job queue does the rest (one node runs it, failures are retried, a dead letter raises an alert).
/// </summary>
internal abstract class DailyJobScheduler(CellRegistry cells, JobOptions jobs, TimeProvider time, ILogger logger) : BackgroundService
{
    private readonly Dictionary<string, DateOnly> _scheduled = new(StringComparer.Ordinal);

    protected abstract string Kind { get; }

    protected abstract string KeyPrefix { get; }

    protected abstract TimeSpan? DueAtUtc { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (DueAtUtc is null)
        {
            return; // this daily job is off
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            await ScheduleDueAsync(stoppingToken);
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task ScheduleDueAsync(CancellationToken ct)
    {
        if (DueAtUtc is not { } at) return;
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        foreach (var cell in cells.All)
        {
            if (_scheduled.TryGetValue(cell.Region, out var done) && done == today)
            {
                continue;
            }
            try
            {
                var due = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + at;
                var key = string.Create(CultureInfo.InvariantCulture, $"{KeyPrefix}:{cell.Region}:{today:yyyy-MM-dd}");
                await JobQueue.EnqueueNowAsync(cell, JobRequest.Text(Kind, cell.Region, key, due), time, jobs, ct);
                _scheduled[cell.Region] = today;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException)
            {
                JobLog.QueueUnavailable(logger, cell.Region, e.GetType().Name);
            }
        }
    }
}
