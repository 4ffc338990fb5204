using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Jobs;

/// <summary>A migrated region cell (SQLite file or a PostgreSQL database of its own) on a fake clock, for job tests.</summary>
internal sealed class JobTestCell : IAsyncDisposable
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    private readonly TempDirectory _directory;
    private readonly List<Cell> _cells = [];

    private JobTestCell(TempDirectory directory, CellOptions options, FakeTimeProvider time)
    {
        _directory = directory;
        Options = options;
        Time = time;
        Cell = Open();
    }

    public CellOptions Options { get; }
    public FakeTimeProvider Time { get; }
    public Cell Cell { get; }
    public JobOptions JobOptions { get; } = new() { Lease = TimeSpan.FromMinutes(5), MaxAttempts = 3, BaseBackoff = TimeSpan.FromSeconds(10) };

    public static async Task<JobTestCell> CreateAsync(string provider)
    {
        var directory = new TempDirectory();
        var options = await TestServices.CellOptionsAsync(provider, directory);
        var cell = new JobTestCell(directory, options, new FakeTimeProvider(DateTimeOffset.UtcNow));
        await cell.Cell.MigrateAsync(CancellationToken.None);
        return cell;
    }

    /// <summary>Another <see cref="Cell"/> over the same database: what a second API node sees.</summary>
    public Cell Open()
    {
        var cell = new Cell("eu", Options, "development", Time);
        _cells.Add(cell);
        return cell;
    }

    public JobWorker Worker(Cell? cell = null, string? id = null, params IJobHandler[] handlers) =>
        new(cell ?? Cell, handlers, JobOptions, Time, NullLogger.Instance, id);

    public async Task<bool> EnqueueAsync(JobRequest request)
    {
        await using var db = Cell.CreateDbContext();
        var row = await JobQueue.EnqueueAsync(db, Cell, request, Time, JobOptions);
        await db.SaveChangesAsync();
        return row is not null;
    }

    public async Task<JobRow> RowAsync(string idempotencyKey)
    {
        await using var db = Cell.CreateDbContext();
        return Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AsNoTracking(db.Jobs).Single(j => j.IdempotencyKey == idempotencyKey);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var cell in _cells)
        {
            cell.Dispose();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A handler that records every run (thread-safe) and fails while <see cref="FailuresLeft"/> is positive.</summary>
internal sealed class RecordingHandler(string kind = "test.record") : IJobHandler
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string JobId, int Attempt, string Payload)> _runs = new();

    public string Kind => kind;
    public int FailuresLeft { get; set; }
    public string FailureMessage { get; set; } = "boom";
    public TimeSpan Work { get; set; }
    public IReadOnlyList<(string JobId, int Attempt, string Payload)> Runs => [.. _runs];

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        _runs.Enqueue((job.JobId, job.Attempt, job.PayloadText));
        if (Work > TimeSpan.Zero)
        {
            await Task.Delay(Work, cancellationToken);
        }
        if (FailuresLeft > 0)
        {
            FailuresLeft--;
            throw new InvalidOperationException(FailureMessage);
        }
    }
}
