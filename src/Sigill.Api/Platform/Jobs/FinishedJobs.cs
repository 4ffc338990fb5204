using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Platform.Jobs;

/// <summary>
/// The daily <c>jobs.prune</c> job: deletes the jobs that succeeded more than <see cref="JobOptions.KeepFinishedDays"/>
/// ago (their payloads went when they finished; what is left is a kind, an organization id and times). Dead-lettered
/// jobs stay for an operator to look at, and queued or running ones are never touched. An idempotency key guards against
/// a second job only while its finished job is kept: every key Sigill uses names one event (a document's expiry, a
/// webhook delivery, a day's backup), long past by then. Deletes in batches, so one run never holds a long transaction.
/// </summary>
internal sealed partial class PruneFinishedJobs(JobOptions options, ILogger<PruneFinishedJobs> logger) : IJobHandler
{
    public const string JobKind = "jobs.prune";

    private const int BatchSize = 5_000;

    public string Kind => JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var cutoff = job.Time.GetUtcNow() - TimeSpan.FromDays(options.KeepFinishedDays);
        var (cutoffTime, cutoffMs) = (cutoff.UtcDateTime, cutoff.ToUnixTimeMilliseconds());
        var deleted = 0;
        while (true)
        {
            await using var db = job.Cell.CreateDbContext();
            // A job runs after its run time, so "due before the cutoff" walks the (State, RunAfter) index, and the
            // completion time decides.
            var batch = await db.Jobs.AsNoTracking()
                .Where(j => j.State == JobState.Succeeded && j.RunAfter < cutoffMs && j.CompletedAt < cutoffTime)
                .OrderBy(j => j.RunAfter).Select(j => j.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0) break;
            deleted += await db.Jobs.Where(j => batch.Contains(j.Id) && j.State == JobState.Succeeded).ExecuteDeleteAsync(cancellationToken);
            if (batch.Count < BatchSize) break;
        }
        if (deleted > 0) PruneLog.Pruned(logger, job.Cell.Region, deleted, options.KeepFinishedDays);
    }

    private static partial class PruneLog
    {
        [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Region {Region}: {Count} jobs that finished more than {Days} days ago deleted.")]
        public static partial void Pruned(ILogger logger, string region, int count, int days);
    }
}

/// <summary>Enqueues each cell's <see cref="PruneFinishedJobs"/> run once a day at <see cref="JobOptions.PruneDailyAtUtc"/>; nothing when <see cref="JobOptions.PruneFinished"/> is off.</summary>
internal sealed class PruneFinishedJobsScheduler(CellRegistry cells, JobOptions jobs, TimeProvider time, ILogger<PruneFinishedJobsScheduler> logger)
    : DailyJobScheduler(cells, jobs, time, logger)
{
    private readonly TimeSpan? _dueAt = jobs.PruneFinished ? jobs.PruneDailyAtUtc : null;

    protected override string Kind => PruneFinishedJobs.JobKind;

    protected override string KeyPrefix => "jobs-prune";

    protected override TimeSpan? DueAtUtc => _dueAt;
}
