using Microsoft.Extensions.Logging;

namespace Sigill.Api.Features.Audit;

/// <summary>
/// Sequences every cell's log on this node: a loop per cell that, every
/// <see cref="AuditOptions.SequencerIntervalMilliseconds"/>, gives waiting events their leaf
/// indexes and signs a checkpoint (so at least once a second while events arrive), and otherwise
/// follows what other nodes sequenced. Events committed before a crash simply wait for the next pass.
/// </summary>
internal sealed class AuditSequencer(AuditLogs logs, AuditOptions options, TimeProvider time, ILogger<AuditSequencer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(logs.All.Select(log => RunAsync(log, stoppingToken)));

    private async Task RunAsync(CellAuditLog log, CancellationToken ct)
    {
        await Task.Yield();
        var interval = TimeSpan.FromMilliseconds(options.SequencerIntervalMilliseconds);
        int failures = 0;
        while (!ct.IsCancellationRequested)
        {
            int sequenced = 0;
            try
            {
                await log.InitializeAsync(options, time, ct);
                sequenced = await log.SequenceOnceAsync(options.BatchSize, time, ct);
                if (sequenced > 0)
                {
                    AuditLog.Sequenced(logger, log.Cell.Region, sequenced, log.Tree.Size);
                }
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Keep trying: the events are safe in the database and the next pass picks them up.
                failures++;
                AuditLog.SequencingFailed(logger, e, log.Cell.Region, failures);
            }
            try
            {
                // A full batch means a backlog: go again at once.
                if (sequenced < options.BatchSize)
                {
                    await Task.Delay(failures == 0 ? interval : TimeSpan.FromSeconds(Math.Min(30, failures)), time, ct);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>Log events of the audit log (event ids 5000-5099): identifiers and counts only.</summary>
internal static partial class AuditLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Audit log {Region}: sequenced {Count} events, tree size {TreeSize}")]
    public static partial void Sequenced(ILogger logger, string region, int count, long treeSize);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Audit log {Region}: sequencing failed ({Failures} in a row); retrying")]
    public static partial void SequencingFailed(ILogger logger, Exception exception, string region, int failures);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Audit log {Region}: stored entries {First}-{Last} do not match the sequenced tree; run `sigill audit verify`")]
    public static partial void EntriesMismatch(ILogger logger, string region, long first, long last);
}
