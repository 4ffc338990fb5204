using Microsoft.Extensions.Logging;
using Sigill.Api.Features.Signing;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;

namespace Sigill.Api.Features.Timestamps;

/// <summary>
/// The daily archive re-timestamp of a cell (<see cref="ArchiveRenewal"/>) as a job: documents whose newest document
/// timestamp's TSA certificate expires within <see cref="TimestampOptions.RenewBeforeExpiryDays"/> get a fresh one.
/// A document the TSA could not serve fails the job, so the queue retries it and a dead letter raises an alert;
/// the documents already renewed stay renewed (each is its own commit) and are not due on the retry.
/// </summary>
internal sealed class ArchiveRenewalJobHandler(SigningKeys keys, TimestampOptions options, ILogger<ArchiveRenewalJobHandler> logger) : IJobHandler
{
    public const string JobKind = "timestamps.renew";

    public string Kind => JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        if (!options.Enabled) throw new JobFailedException("no TSA is configured (Timestamps:Servers or Timestamps:BuiltIn)");
        var result = await ArchiveRenewal.RunAsync(job.Cell, keys, options, job.Time, null, all: false, cancellationToken);
        RenewalLog.Renewed(logger, job.Cell.Region, result.Renewed, result.Examined, result.Failures.Count);
        if (result.Failures.Count > 0)
        {
            throw new JobFailedException($"{result.Failures.Count} document(s) could not be renewed: {result.Failures[0]}");
        }
    }
}

/// <summary>Enqueues each cell's renewal job daily at <see cref="TimestampOptions.RenewDailyAtUtc"/> when a TSA is configured.</summary>
internal sealed class ArchiveRenewalScheduler(CellRegistry cells, TimestampOptions options, JobOptions jobs, TimeProvider time, ILogger<ArchiveRenewalScheduler> logger)
    : DailyJobScheduler(cells, jobs, time, logger)
{
    protected override string Kind => ArchiveRenewalJobHandler.JobKind;

    protected override string KeyPrefix => "renew";

    protected override TimeSpan? DueAtUtc => options.Enabled ? options.RenewDailyAtUtc : null;
}

internal static partial class RenewalLog
{
    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Archive renewal of region {Region}: {Renewed} of {Examined} completed documents renewed, {Failed} failed")]
    public static partial void Renewed(ILogger logger, string region, int renewed, int examined, int failed);
}
