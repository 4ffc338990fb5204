using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sigill.Api.Platform.Cells;
using Sigill.Http;

namespace Sigill.Api.Platform.Jobs;

/// <summary>
/// The API host's job worker: <see cref="JobOptions.Concurrency"/> lanes (one on a SQLite cell), each polling every
/// cell it serves, running due jobs (a few per cell per round, so one busy region cannot starve another) and sleeping
/// <see cref="JobOptions.PollInterval"/> when idle. Every API node runs them; the claim keeps lanes and nodes from
/// running a job twice. A database outage is logged and retried, never fatal.
/// </summary>
internal sealed class JobRunner(CellRegistry cells, IEnumerable<IJobHandler> handlers, JobOptions options, TimeProvider time, ILogger<JobRunner> logger) : BackgroundService
{
    /// <summary>Cancelled when the host starts to stop: no new claims. The job in hand keeps running until the host's shutdown timeout.</summary>
    private readonly CancellationTokenSource _claiming = new();

    /// <summary>
    /// Graceful stop: stop claiming, let the job in hand finish within the host's shutdown timeout
    /// (<c>Http:ShutdownTimeout</c>); only then cancel it, which releases it to the queue for another node.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _claiming.CancelAsync();
        if (ExecuteTask is { IsCompleted: false } running)
        {
            try
            {
                await running.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The shutdown timeout ran out: base.StopAsync cancels the job in hand.
            }
        }
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _claiming.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var list = handlers.ToList();
        if (list.Count == 0 || !options.RunWorker)
        {
            return;
        }
        // Lane i serves the cells that run more than i jobs at once, each with a worker of its own (its own claim id).
        var lanes = Enumerable.Range(0, options.Concurrency)
            .Select(i => cells.All.Where(c => i < (c.DatabaseProvider == "postgres" ? options.Concurrency : 1)).Select(c => new JobWorker(c, list, options, time, logger)).ToList())
            .Where(workers => workers.Count > 0)
            .ToList();
        await Task.WhenAll(lanes.Select(workers => LaneAsync(workers, stoppingToken)));
    }

    private async Task LaneAsync(List<JobWorker> workers, CancellationToken stoppingToken)
    {
        await Task.Yield(); // the lanes run side by side from the start
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _claiming.Token);
        while (!idle.IsCancellationRequested)
        {
            var busy = false;
            foreach (var worker in workers)
            {
                if (idle.IsCancellationRequested)
                {
                    return;
                }
                try
                {
                    busy |= await worker.DrainAsync(options.BatchPerCell, stoppingToken, _claiming.Token) == options.BatchPerCell;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException or TimeoutException)
                {
                    JobLog.QueueUnavailable(logger, worker.Cell.Region, e.GetType().Name);
                }
            }
            if (!busy)
            {
                try
                {
                    await Task.Delay(options.PollInterval, time, idle.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}

public static class JobServiceCollectionExtensions
{
    /// <summary>The durable job queue's worker in this host; register handlers as <c>IJobHandler</c> singletons.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSigillOptions<JobOptions>("Jobs");
        services.AddHostedService<JobRunner>();
        services.AddSingleton<IJobHandler, PruneFinishedJobs>();
        services.AddHostedService<PruneFinishedJobsScheduler>();
        return services;
    }
}
