using System.Security.Cryptography;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Platform.Jobs;

/// <summary>
/// Runs jobs of one cell: claim, run the handler while renewing the lease, record the outcome. Many workers
/// (threads, hosts, nodes) can work on one cell; the claim keeps them apart.
/// </summary>
public sealed class JobWorker
{
    private readonly Cell _cell;
    private readonly Dictionary<string, IJobHandler> _handlers;
    private readonly JobOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public JobWorker(Cell cell, IEnumerable<IJobHandler> handlers, JobOptions options, TimeProvider time, ILogger logger, string? workerId = null)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        _cell = cell ?? throw new ArgumentNullException(nameof(cell));
        _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        WorkerId = workerId ?? $"{System.Environment.MachineName}/{System.Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }

    public string WorkerId { get; }

    public Cell Cell => _cell;

    /// <summary>Claims and runs at most one job; false when none was due.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken ct)
    {
        var job = await JobQueue.ClaimAsync(_cell, _handlers.Keys, WorkerId, _options.Lease, _time, ct);
        if (job is null)
        {
            return false;
        }
        if (job.Attempts > job.MaxAttempts)
        {
            // Its last attempt's node died mid-run (the lease expired): never exceed the attempt budget.
            await JobQueue.FailAsync(_cell, job, "lease expired during the last attempt", TimeSpan.Zero, _time, CancellationToken.None);
            JobLog.DeadLettered(_logger, job.Id, job.Kind, _cell.Region, job.Attempts - 1);
            return true;
        }
        JobLog.Started(_logger, job.Id, job.Kind, _cell.Region, job.Attempts);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = RenewWhileRunningAsync(job, running.Token);
        try
        {
            var payload = await JobQueue.OpenPayloadAsync(_cell, job, ct);
            await _handlers[job.Kind].HandleAsync(new JobContext(_cell, job.Id, job.Kind, job.OrganizationId, payload, job.Attempts, job.MaxAttempts, _time), ct);
            await StopRenewalAsync(running, renewal);
            if (await JobQueue.CompleteAsync(_cell, job, _time, CancellationToken.None))
            {
                JobLog.Succeeded(_logger, job.Id, job.Kind, _cell.Region, job.Attempts);
            }
            else
            {
                JobLog.ClaimLost(_logger, job.Id, job.Kind, _cell.Region);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await StopRenewalAsync(running, renewal);
            await JobQueue.ReleaseAsync(_cell, job, CancellationToken.None);
            throw;
        }
        catch (Exception e)
        {
            await StopRenewalAsync(running, renewal);
            // Exception text can carry personal data (an address, a name): store the type, and the message only
            // of JobFailedException, whose message the handler wrote to be safe.
            var error = e is JobFailedException ? $"{e.GetType().Name}: {e.Message}" : e.GetType().FullName ?? e.GetType().Name;
            if (e is Sigill.Crypto.CryptoIntegrityException crypto)
            {
                error += $" ({crypto.Reason})";
            }
            var delay = _options.BackoffAfter(job.Attempts, RandomNumberGenerator.GetInt32(1_000_001) / 1_000_000.0);
            var state = await JobQueue.FailAsync(_cell, job, error, delay, _time, CancellationToken.None);
            if (state == JobState.DeadLettered)
            {
                JobLog.DeadLettered(_logger, job.Id, job.Kind, _cell.Region, job.Attempts);
            }
            else
            {
                JobLog.Failed(_logger, job.Id, job.Kind, _cell.Region, job.Attempts, e.GetType().Name, delay);
            }
        }
        return true;
    }

    /// <summary>
    /// Runs due jobs until none is left (or <paramref name="limit"/> ran, or <paramref name="claiming"/> is cancelled: the
    /// host is stopping and the job in hand is the last); returns how many ran.
    /// </summary>
    public async Task<int> DrainAsync(int limit, CancellationToken ct, CancellationToken claiming = default)
    {
        var ran = 0;
        while (ran < limit && !claiming.IsCancellationRequested && await RunOnceAsync(ct))
        {
            ran++;
        }
        return ran;
    }

    private async Task RenewWhileRunningAsync(JobRow job, CancellationToken ct)
    {
        var every = _options.Lease / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, _time, ct);
                if (!await JobQueue.RenewAsync(_cell, job, _options.Lease, _time, ct))
                {
                    JobLog.ClaimLost(_logger, job.Id, job.Kind, _cell.Region);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            // A renewal that fails (database restart) is retried by the next tick's claim check; the lease may lapse.
            JobLog.RenewalFailed(_logger, job.Id, _cell.Region, e.GetType().Name);
        }
    }

    private static async Task StopRenewalAsync(CancellationTokenSource running, Task renewal)
    {
        await running.CancelAsync();
        await renewal;
    }
}

internal static partial class JobLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Job {JobId} ({Kind}) started in region {Region}, attempt {Attempt}")]
    public static partial void Started(ILogger logger, string jobId, string kind, string region, int attempt);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Job {JobId} ({Kind}) succeeded in region {Region} on attempt {Attempt}")]
    public static partial void Succeeded(ILogger logger, string jobId, string kind, string region, int attempt);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Job {JobId} ({Kind}) failed in region {Region} on attempt {Attempt} with {ErrorType}; retry in {Delay}")]
    public static partial void Failed(ILogger logger, string jobId, string kind, string region, int attempt, string errorType, TimeSpan delay);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Job {JobId} ({Kind}) dead-lettered in region {Region} after {Attempts} attempts")]
    public static partial void DeadLettered(ILogger logger, string jobId, string kind, string region, int attempts);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Job {JobId} ({Kind}) in region {Region}: the claim was lost (lease expired); another worker owns it")]
    public static partial void ClaimLost(ILogger logger, string jobId, string kind, string region);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Job {JobId} in region {Region}: lease renewal failed ({ErrorType})")]
    public static partial void RenewalFailed(ILogger logger, string jobId, string region, string errorType);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Job queue of region {Region} unavailable ({ErrorType}); retrying")]
    public static partial void QueueUnavailable(ILogger logger, string region, string errorType);
}
