using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Jobs;

namespace Sigill.Tests.Jobs;

public sealed class JobQueueTests
{
    [Theory]
    [MemberData(nameof(JobTestCell.Providers), MemberType = typeof(JobTestCell))]
    public async Task An_idempotency_key_dedupes_so_the_job_runs_once(string provider)
    {
        await using var cell = await JobTestCell.CreateAsync(provider);
        var handler = new RecordingHandler();
        Assert.True(await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "first", "invoice-42")));
        Assert.False(await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "second", "invoice-42")));
        Assert.False(await JobQueue.EnqueueNowAsync(cell.Cell, JobRequest.Text(handler.Kind, "third", "invoice-42"), cell.Time));

        Assert.Equal(1, await cell.Worker(handlers: handler).DrainAsync(10, CancellationToken.None));
        Assert.Equal("first", Assert.Single(handler.Runs).Payload);
        var row = await cell.RowAsync("invoice-42");
        Assert.Equal(JobState.Succeeded, row.State);
        Assert.Null(row.Payload); // dropped once done
        // Still deduped after it ran.
        Assert.False(await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "again", "invoice-42")));
    }

    [Theory]
    [MemberData(nameof(JobTestCell.Providers), MemberType = typeof(JobTestCell))]
    public async Task A_failing_handler_is_retried_with_exponential_backoff_then_dead_lettered(string provider)
    {
        await using var cell = await JobTestCell.CreateAsync(provider);
        var handler = new RecordingHandler { FailuresLeft = int.MaxValue, FailureMessage = "could not reach alice@example.com" };
        var worker = cell.Worker(handlers: handler);
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "x", "flaky"));

        Assert.True(await worker.RunOnceAsync(CancellationToken.None));
        var row = await cell.RowAsync("flaky");
        Assert.Equal((JobState.Queued, 1), (row.State, row.Attempts));
        var delay = row.RunAfter - cell.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.InRange(delay, 5_000, 10_000); // 10 s base, jittered down by up to half
        Assert.False(await worker.RunOnceAsync(CancellationToken.None)); // not due yet

        cell.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(await worker.RunOnceAsync(CancellationToken.None));
        row = await cell.RowAsync("flaky");
        Assert.Equal((JobState.Queued, 2), (row.State, row.Attempts));
        Assert.InRange(row.RunAfter - cell.Time.GetUtcNow().ToUnixTimeMilliseconds(), 10_000, 20_000); // doubled

        cell.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await worker.RunOnceAsync(CancellationToken.None));
        row = await cell.RowAsync("flaky");
        Assert.Equal((JobState.DeadLettered, 3, true), (row.State, row.Attempts, row.DeadLettered));
        Assert.NotNull(row.CompletedAt);
        Assert.Equal("System.InvalidOperationException", row.LastError); // the type, never the message (personal data)

        cell.Time.Advance(TimeSpan.FromHours(2));
        Assert.False(await worker.RunOnceAsync(CancellationToken.None));
        Assert.Equal(3, handler.Runs.Count);
        Assert.Equal([1, 2, 3], handler.Runs.Select(r => r.Attempt));
        Assert.Equal(1, (await JobQueue.StatsAsync(cell.Cell, cell.Time, CancellationToken.None)).DeadLettered);
    }

    [Theory]
    [MemberData(nameof(JobTestCell.Providers), MemberType = typeof(JobTestCell))]
    public async Task An_expired_lease_is_reclaimed_and_the_crashed_workers_late_outcome_is_ignored(string provider)
    {
        await using var cell = await JobTestCell.CreateAsync(provider);
        var handler = new RecordingHandler();
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "x", "lease"));

        // Node A claims the job and crashes: nothing completes it.
        var claim = await JobQueue.ClaimAsync(cell.Cell, [handler.Kind], "node-a", cell.JobOptions.Lease, cell.Time, CancellationToken.None);
        Assert.NotNull(claim);
        var nodeB = cell.Worker(cell.Open(), "node-b", handler);
        Assert.False(await nodeB.RunOnceAsync(CancellationToken.None)); // leased

        cell.Time.Advance(cell.JobOptions.Lease + TimeSpan.FromSeconds(1));
        Assert.True(await nodeB.RunOnceAsync(CancellationToken.None));
        var row = await cell.RowAsync("lease");
        Assert.Equal((JobState.Succeeded, 2), (row.State, row.Attempts));
        Assert.Equal(2, Assert.Single(handler.Runs).Attempt);

        // Node A wakes up: its claim is gone, it cannot overwrite the outcome.
        Assert.False(await JobQueue.CompleteAsync(cell.Cell, claim, cell.Time, CancellationToken.None));
        Assert.Equal(JobState.Running, await JobQueue.FailAsync(cell.Cell, claim, "late", TimeSpan.Zero, cell.Time, CancellationToken.None));
        Assert.Equal(JobState.Succeeded, (await cell.RowAsync("lease")).State);
    }

    [Theory]
    [MemberData(nameof(JobTestCell.Providers), MemberType = typeof(JobTestCell))]
    public async Task A_claim_takes_a_crashed_nodes_job_first_then_due_jobs_in_run_time_order_among_many_finished_ones(string provider)
    {
        await using var cell = await JobTestCell.CreateAsync(provider);
        var handler = new RecordingHandler();
        var now = cell.Time.GetUtcNow();
        // Finished jobs before them in the table: a claim must find the due ones all the same.
        for (var i = 0; i < 30; i++) await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "done", $"done-{i}", now - TimeSpan.FromMinutes(10)));
        Assert.Equal(30, await cell.Worker(handlers: handler).DrainAsync(100, CancellationToken.None));
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "crashed", "crashed", now - TimeSpan.FromMinutes(1)));
        var lost = await JobQueue.ClaimAsync(cell.Cell, [handler.Kind], "node-a", cell.JobOptions.Lease, cell.Time, CancellationToken.None); // node A dies holding it
        Assert.Equal("crashed", lost?.IdempotencyKey);
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "third", "third", now - TimeSpan.FromSeconds(1)));
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "first", "first", now - TimeSpan.FromSeconds(30)));
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "second", "second", now - TimeSpan.FromSeconds(20)));
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "later", "later", now + cell.JobOptions.Lease + TimeSpan.FromMinutes(5)));
        await cell.EnqueueAsync(JobRequest.Text("test.other", "other kind", "other", now - TimeSpan.FromHours(1)));

        cell.Time.Advance(cell.JobOptions.Lease + TimeSpan.FromSeconds(1)); // node A's lease runs out
        var runs = handler.Runs.Count;
        Assert.Equal(4, await cell.Worker(cell.Open(), "node-b", handler).DrainAsync(100, CancellationToken.None));
        Assert.Equal(["crashed", "first", "second", "third"], handler.Runs.Skip(runs).Select(r => r.Payload));
        Assert.Equal(JobState.Queued, (await cell.RowAsync("later")).State); // not due
        Assert.Equal(JobState.Queued, (await cell.RowAsync("other")).State); // no handler of that kind here
    }

    [Theory]
    [MemberData(nameof(JobTestCell.Providers), MemberType = typeof(JobTestCell))]
    public async Task Jobs_that_succeeded_longer_ago_than_the_days_kept_are_pruned_and_no_other_job_is(string provider)
    {
        await using var cell = await JobTestCell.CreateAsync(provider);
        var handler = new RecordingHandler();
        var failing = new RecordingHandler("test.fail") { FailuresLeft = int.MaxValue };
        var now = cell.Time.GetUtcNow();
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "x", "old-done"));
        await cell.EnqueueAsync(new JobRequest(failing.Kind, IdempotencyKey: "old-dead", MaxAttempts: 1));
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "x", "far-future", now + TimeSpan.FromDays(400)));
        Assert.Equal(2, await cell.Worker(handlers: [handler, failing]).DrainAsync(10, CancellationToken.None));
        cell.Time.Advance(TimeSpan.FromDays(91));
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "x", "recent-done"));
        Assert.Equal(1, await cell.Worker(handlers: handler).DrainAsync(10, CancellationToken.None));

        var options = new JobOptions(); // 90 days kept
        await new PruneFinishedJobs(options, Microsoft.Extensions.Logging.Abstractions.NullLogger<PruneFinishedJobs>.Instance)
            .HandleAsync(new JobContext(cell.Cell, "job_eu_prune", PruneFinishedJobs.JobKind, null, default, 1, 1, cell.Time), CancellationToken.None);

        await using var db = cell.Cell.CreateDbContext();
        var left = await db.Jobs.AsNoTracking().Select(j => new { j.IdempotencyKey, j.State }).ToListAsync();
        Assert.DoesNotContain(left, j => j.IdempotencyKey == "old-done");
        Assert.Contains(left, j => j.IdempotencyKey == "old-dead" && j.State == JobState.DeadLettered); // for an operator to look at
        Assert.Contains(left, j => j.IdempotencyKey == "far-future" && j.State == JobState.Queued);
        Assert.Contains(left, j => j.IdempotencyKey == "recent-done" && j.State == JobState.Succeeded);
        Assert.Contains("Jobs:KeepFinishedDays must be 1-3650", new JobOptions { KeepFinishedDays = 0 }.Validate());
    }

    [Theory]
    [MemberData(nameof(JobTestCell.Providers), MemberType = typeof(JobTestCell))]
    public async Task A_job_enqueued_in_a_transaction_that_rolls_back_never_runs(string provider)
    {
        await using var cell = await JobTestCell.CreateAsync(provider);
        var handler = new RecordingHandler();
        await using (var db = cell.Cell.CreateDbContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            Assert.NotNull(await JobQueue.EnqueueAsync(db, cell.Cell, JobRequest.Text(handler.Kind, "x", "rolled-back"), cell.Time));
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }
        Assert.Equal(0, await cell.Worker(handlers: handler).DrainAsync(10, CancellationToken.None));
        Assert.Empty(handler.Runs);
        await using var check = cell.Cell.CreateDbContext();
        Assert.False(await check.Jobs.AnyAsync());
    }

    [Theory]
    [MemberData(nameof(JobTestCell.Providers), MemberType = typeof(JobTestCell))]
    public async Task A_payload_that_can_hold_customer_data_is_sealed_under_the_organizations_key(string provider)
    {
        await using var cell = await JobTestCell.CreateAsync(provider);
        var org = Sigill.Api.Platform.Cells.SigillId.New("org", "eu");
        await cell.Cell.Keys.CreateOrganizationKeysAsync(org);
        var handler = new RecordingHandler("email.send");
        await cell.EnqueueAsync(JobRequest.Text(handler.Kind, "to: alice@example.com", "mail-1", organizationId: org));

        var stored = (await cell.RowAsync("mail-1")).Payload!;
        Assert.DoesNotContain("alice", System.Text.Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        await cell.Worker(handlers: handler).DrainAsync(10, CancellationToken.None);
        Assert.Equal("to: alice@example.com", Assert.Single(handler.Runs).Payload);
    }

    [Fact]
    public async Task Two_workers_on_one_postgres_database_never_run_the_same_job_twice()
    {
        await using var cell = await JobTestCell.CreateAsync("postgres");
        const int jobs = 300;
        await using (var db = cell.Cell.CreateDbContext())
        {
            for (var i = 0; i < jobs; i++)
            {
                await JobQueue.EnqueueAsync(db, cell.Cell, JobRequest.Text("test.record", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), cell.Time);
            }
            await db.SaveChangesAsync();
        }
        var handler = new RecordingHandler();
        // Two API nodes: separate Cell instances (connection pools) and worker ids, four loops each.
        var nodes = new[] { cell.Worker(cell.Open(), "node-a", handler), cell.Worker(cell.Open(), "node-b", handler) };
        await Task.WhenAll(nodes.SelectMany(n => Enumerable.Range(0, 4).Select(_ => Task.Run(() => n.DrainAsync(int.MaxValue, CancellationToken.None)))));

        Assert.Equal(jobs, handler.Runs.Count);
        Assert.Equal(jobs, handler.Runs.Select(r => r.JobId).Distinct().Count());
        await using var check = cell.Cell.CreateDbContext();
        Assert.Equal(jobs, await check.Jobs.CountAsync(j => j.State == JobState.Succeeded && j.Attempts == 1));
    }
}
