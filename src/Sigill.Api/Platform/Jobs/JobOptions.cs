using Sigill.Http;

namespace Sigill.Api.Platform.Jobs;

/// <summary>The <c>Jobs</c> configuration section.</summary>
public sealed class JobOptions : IValidatedOptions
{
    /// <summary>How often an idle worker looks for due jobs in each cell.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claim holds a job; the running node renews it every third of this. A crashed node's job is retried after it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts before a job is dead-lettered (unless the request says otherwise).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Delay after the first failure; doubled per attempt, capped at <see cref="MaxBackoff"/>, then jittered down by up to half.</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Jobs one worker runs per cell before it looks at the next cell (fairness between cells).</summary>
    public int BatchPerCell { get; set; } = 20;

    /// <summary>
    /// Jobs one API node runs at once per PostgreSQL cell (default 4): a long job (a bulk-send chunk) does not hold up
    /// the e-mails queued behind it, and one job's waits on the database and the file store leave the processor to
    /// another. A SQLite cell (one writer) runs one at a time.
    /// </summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>
    /// False: this API node only enqueues and leaves running jobs to other nodes (or, in tests, to a worker the
    /// test drives with a fake clock).
    /// </summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>False: finished jobs are never deleted (no daily <c>jobs.prune</c>).</summary>
    public bool PruneFinished { get; set; } = true;

    /// <summary>Days a job that succeeded is kept (default 90, 1-3650); dead-lettered jobs stay until an operator removes them.</summary>
    public int KeepFinishedDays { get; set; } = 90;

    /// <summary>When each cell's daily <c>jobs.prune</c> run is due (UTC time of day, default 04:45).</summary>
    public TimeSpan PruneDailyAtUtc { get; set; } = new(4, 45, 0);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (PollInterval < TimeSpan.FromMilliseconds(10) || PollInterval > TimeSpan.FromMinutes(10))
        {
            problems.Add("Jobs:PollInterval must be between 00:00:00.010 and 00:10:00");
        }
        if (Lease < TimeSpan.FromSeconds(1))
        {
            problems.Add("Jobs:Lease must be at least one second");
        }
        if (MaxAttempts is < 1 or > 100)
        {
            problems.Add("Jobs:MaxAttempts must be 1-100");
        }
        if (BaseBackoff < TimeSpan.Zero || MaxBackoff < BaseBackoff)
        {
            problems.Add("Jobs:BaseBackoff must be non-negative and at most Jobs:MaxBackoff");
        }
        if (BatchPerCell < 1)
        {
            problems.Add("Jobs:BatchPerCell must be at least 1");
        }
        if (Concurrency is < 1 or > 64)
        {
            problems.Add("Jobs:Concurrency must be 1-64");
        }
        if (KeepFinishedDays is < 1 or > 3650)
        {
            problems.Add("Jobs:KeepFinishedDays must be 1-3650");
        }
        if (PruneDailyAtUtc < TimeSpan.Zero || PruneDailyAtUtc >= TimeSpan.FromDays(1))
        {
            problems.Add("Jobs:PruneDailyAtUtc must be a time of day (00:00-23:59)");
        }
        return problems;
    }

    /// <summary>Exponential backoff with "equal jitter": half the capped delay, plus a random part of the other half.</summary>
    public TimeSpan BackoffAfter(int attempts, double random)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var capped = Math.Min(MaxBackoff.TotalMilliseconds, BaseBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(capped / 2 + capped / 2 * Math.Clamp(random, 0, 1));
    }
}
