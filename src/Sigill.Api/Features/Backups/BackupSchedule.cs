using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;

namespace Sigill.Api.Features.Backups;

/// <summary>The <c>Backups</c> configuration section. Daily backups run only when <see cref="Directory"/> is set.</summary>
public sealed class BackupOptions : IValidatedOptions
{
    /// <summary>Where archives go (a mounted backup volume; not inside the data directory).</summary>
    public string? Directory { get; set; }

    public int RetentionDays { get; set; } = 35;

    /// <summary>Time of day (UTC) the daily backup becomes due.</summary>
    public TimeSpan DailyAtUtc { get; set; } = TimeSpan.FromHours(2);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (RetentionDays is < 1 or > 3650)
        {
            problems.Add("Backups:RetentionDays must be 1-3650");
        }
        if (DailyAtUtc < TimeSpan.Zero || DailyAtUtc >= TimeSpan.FromDays(1))
        {
            problems.Add("Backups:DailyAtUtc must be a time of day (00:00-23:59)");
        }
        if (Directory is { Length: > 0 } dir && !Path.IsPathRooted(dir))
        {
            problems.Add("Backups:Directory must be an absolute path");
        }
        return problems;
    }
}

/// <summary>Job <c>backup.cell</c>: backs the job's cell up into <see cref="BackupOptions.Directory"/>, then applies the retention.</summary>
internal sealed class BackupJobHandler(BackupOptions options, TimeProvider time, ILogger<BackupJobHandler> logger) : IJobHandler
{
    public const string JobKind = "backup.cell";

    public string Kind => JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var directory = options.Directory ?? throw new JobFailedException("Backups:Directory is not configured");
        BackupResult result;
        try
        {
            result = await CellBackup.CreateAsync(job.Cell, directory, time, null, cancellationToken);
        }
        catch (BackupException e)
        {
            throw new JobFailedException(e.Message, e); // archive, disk and tool problems name no personal data
        }
        BackupLog.Written(logger, job.Cell.Region, Path.GetFileName(result.File), result.ArchiveBytes, result.Duration.TotalSeconds);
        foreach (var deleted in Prune(directory, job.Cell.Region, time.GetUtcNow() - TimeSpan.FromDays(options.RetentionDays)))
        {
            BackupLog.Pruned(logger, job.Cell.Region, deleted);
        }
    }

    /// <summary>Deletes the region's archives older than <paramref name="cutoff"/>, always keeping the newest one.</summary>
    internal static IReadOnlyList<string> Prune(string directory, string region, DateTimeOffset cutoff)
    {
        var archives = System.IO.Directory.EnumerateFiles(directory, $"sigill-{region}-*{CellBackup.Extension}")
            .Select(f => (File: f, Ok: CellBackup.TryParseFileName(Path.GetFileName(f), out var r, out var at), Region: r, At: at))
            .Where(a => a.Ok && a.Region == region)
            .OrderByDescending(a => a.At)
            .ToList();
        var deleted = new List<string>();
        foreach (var archive in archives.Skip(1).Where(a => a.At < cutoff))
        {
            File.Delete(archive.File);
            deleted.Add(Path.GetFileName(archive.File));
        }
        return deleted;
    }
}

/// <summary>
/// Enqueues each cell's daily backup job, due at <see cref="BackupOptions.DailyAtUtc"/>. The idempotency key
/// <c>backup:{region}:{date}</c> makes every API node's scheduler agree on one job per cell per day.
/// </summary>
internal sealed class BackupScheduler(CellRegistry cells, BackupOptions backups, JobOptions jobs, TimeProvider time, ILogger<BackupScheduler> logger)
    : DailyJobScheduler(cells, jobs, time, logger)
{
    protected override string Kind => BackupJobHandler.JobKind;

    protected override string KeyPrefix => "backup";

    protected override TimeSpan? DueAtUtc => string.IsNullOrEmpty(backups.Directory) ? null : backups.DailyAtUtc; // no directory: daily backups are off
}

public static class BackupServiceCollectionExtensions
{
    /// <summary>Daily backups through the job queue, when <c>Backups:Directory</c> is configured.</summary>
    public static IServiceCollection AddBackups(this IServiceCollection services, IConfiguration configuration)
    {
        // Registered whether or not a directory is set (the options are read from the container, after binding): the
        // scheduler stays idle without one, and the handler refuses a job that cannot have been enqueued.
        services.AddSigillOptions<BackupOptions>("Backups");
        services.AddSingleton<IJobHandler, BackupJobHandler>();
        services.AddHostedService<BackupScheduler>();
        return services;
    }
}

internal static partial class BackupLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Backup of region {Region} written: {File}, {Bytes} bytes in {Seconds:F1} s")]
    public static partial void Written(ILogger logger, string region, string file, long bytes, double seconds);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Backup {File} of region {Region} deleted (older than the retention)")]
    public static partial void Pruned(ILogger logger, string region, string file);
}
