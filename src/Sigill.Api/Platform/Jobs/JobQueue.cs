using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;

namespace Sigill.Api.Platform.Jobs;

/// <summary>
/// The durable job queue of one cell, in the cell's own database (docs/adr/0005-backups-and-jobs.md).
/// Enqueue joins the caller's <see cref="CellDbContext"/>: the job is committed with the caller's change or not
/// at all. A claim is one atomic statement — PostgreSQL <c>FOR UPDATE SKIP LOCKED</c>, SQLite
/// <c>UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING</c> under its single writer — so two workers never hold
/// the same job. Every later state change is conditional on the claim (locked_by and attempt number), so a worker
/// whose lease expired cannot overwrite the outcome of the worker that took the job over.
/// </summary>
public static class JobQueue
{
    public const string PayloadPurpose = "job.payload";

    /// <summary>
    /// Adds a job to <paramref name="db"/> (saved by the caller's <c>SaveChanges</c>, inside the caller's transaction
    /// when there is one). Returns null when a job with the same idempotency key exists — committed, or pending in
    /// this context. Two transactions racing with one key: the second commit fails with a unique violation
    /// (<see cref="IsDuplicate"/>), so the job still runs once.
    /// </summary>
    public static async Task<JobRow?> EnqueueAsync(CellDbContext db, Cell cell, JobRequest request, TimeProvider time, JobOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.Kind);
        var id = SigillId.New("job", cell.Region);
        var key = request.IdempotencyKey ?? id;
        if (request.IdempotencyKey is not null && await ExistsAsync(db, key, ct)) // a new id as the key cannot exist: no query for it
        {
            return null;
        }
        byte[]? payload = request.Payload.Length == 0 ? null : request.Payload.ToArray();
        if (payload is not null && request.OrganizationId is { } org)
        {
            payload = await cell.Keys.EncryptBytesAsync(PayloadContext(cell.Region, org, id), payload, ct);
        }
        var now = time.GetUtcNow();
        var row = new JobRow
        {
            Id = id,
            Kind = request.Kind,
            IdempotencyKey = key,
            OrganizationId = request.OrganizationId,
            Payload = payload,
            State = JobState.Queued,
            MaxAttempts = request.MaxAttempts ?? (options ?? new JobOptions()).MaxAttempts,
            RunAfter = (request.RunAfter ?? now).ToUnixTimeMilliseconds(),
            CreatedAt = now.UtcDateTime,
        };
        db.Add(row);
        return row;
    }

    /// <summary>Whether a job with <paramref name="key"/> is queued in this context or stored.</summary>
    private static async Task<bool> ExistsAsync(CellDbContext db, string key, CancellationToken ct)
    {
        // Keys never change once added, so the context's own jobs are looked at without detecting changes in every
        // tracked entity (a context holding many rows would pay that on each enqueue).
        var tracker = db.ChangeTracker;
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            if (db.Set<JobRow>().Local.Any(j => j.IdempotencyKey == key)) return true;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detect;
        }
        return await db.Set<JobRow>().AnyAsync(j => j.IdempotencyKey == key, ct);
    }

    /// <summary>Enqueues in a context of its own and commits; false when the idempotency key exists (also when another node won a race).</summary>
    public static async Task<bool> EnqueueNowAsync(Cell cell, JobRequest request, TimeProvider time, JobOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cell);
        await using var db = cell.CreateDbContext();
        if (await EnqueueAsync(db, cell, request, time, options, ct) is null)
        {
            return false;
        }
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException e) when (Errors.UniqueKey.IsViolation(e))
        {
            return false;
        }
    }

    /// <summary>
    /// Claims a running job of <paramref name="kinds"/> whose lease expired (its node died: recovered first), else the due
    /// job with the earliest run time. Each of the two looks is one ordered walk of the (state, run time) index that stops
    /// at the first row it may take, so a claim costs the same with ten or ten thousand jobs queued, and with however many
    /// finished jobs the table keeps (a single condition OR-ing both made PostgreSQL sort every due job, or scan the table).
    /// </summary>
    internal static async Task<JobRow?> ClaimAsync(Cell cell, IReadOnlyCollection<string> kinds, string workerId, TimeSpan lease, TimeProvider time, CancellationToken ct)
    {
        if (kinds.Count == 0)
        {
            return null;
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = now + (long)lease.TotalMilliseconds;
        const int queued = (int)JobState.Queued, running = (int)JobState.Running;
        await using var db = cell.CreateDbContext();
        List<JobRow> claimed;
        if (cell.DatabaseProvider == "postgres")
        {
            // No read first: an UPDATE that finds nothing writes nothing.
            var kindArray = kinds.ToArray();
            claimed = await db.Set<JobRow>().FromSql($"""
                UPDATE jobs SET "State" = {running}, "Attempts" = "Attempts" + 1, "LockedBy" = {workerId}, "LockedUntil" = {until}
                WHERE "Id" = COALESCE(
                    (SELECT "Id" FROM jobs WHERE "State" = {running} AND "LockedUntil" < {now} AND "Kind" = ANY({kindArray})
                     ORDER BY "RunAfter", "Id" LIMIT 1 FOR UPDATE SKIP LOCKED),
                    (SELECT "Id" FROM jobs WHERE "State" = {queued} AND "RunAfter" <= {now} AND "Kind" = ANY({kindArray})
                     ORDER BY "RunAfter", "Id" LIMIT 1 FOR UPDATE SKIP LOCKED))
                RETURNING *
                """).AsNoTracking().ToListAsync(ct);
        }
        else
        {
            // A read first: an idle poll must not take SQLite's write lock.
            var jobs = db.Set<JobRow>().Where(j => kinds.Contains(j.Kind));
            if (!await jobs.AnyAsync(j => j.State == JobState.Queued && j.RunAfter <= now, ct) && !await jobs.AnyAsync(j => j.State == JobState.Running && j.LockedUntil < now, ct))
            {
                return null;
            }
            var kindJson = JsonSerializer.Serialize(kinds);
            claimed = await db.Set<JobRow>().FromSql($"""
                UPDATE jobs SET "State" = {running}, "Attempts" = "Attempts" + 1, "LockedBy" = {workerId}, "LockedUntil" = {until}
                WHERE "Id" = COALESCE(
                    (SELECT "Id" FROM jobs WHERE "State" = {running} AND "LockedUntil" < {now} AND "Kind" IN (SELECT value FROM json_each({kindJson}))
                     ORDER BY "RunAfter", "Id" LIMIT 1),
                    (SELECT "Id" FROM jobs WHERE "State" = {queued} AND "RunAfter" <= {now} AND "Kind" IN (SELECT value FROM json_each({kindJson}))
                     ORDER BY "RunAfter", "Id" LIMIT 1))
                RETURNING *
                """).AsNoTracking().ToListAsync(ct);
        }
        return claimed.Count == 0 ? null : claimed[0];
    }

    internal static async Task<byte[]> OpenPayloadAsync(Cell cell, JobRow job, CancellationToken ct) =>
        job.Payload is null ? []
        : job.OrganizationId is { } org ? await cell.Keys.DecryptBytesAsync(PayloadContext(cell.Region, org, job.Id), job.Payload, ct)
        : job.Payload;

    /// <summary>Marks the claimed job done and drops its payload. False when the claim was lost (lease expired and taken over).</summary>
    internal static async Task<bool> CompleteAsync(Cell cell, JobRow claim, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = cell.CreateDbContext();
        return await Claimed(db, claim).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.State, JobState.Succeeded)
            .SetProperty(j => j.CompletedAt, now)
            .SetProperty(j => j.Payload, (byte[]?)null)
            .SetProperty(j => j.LockedBy, (string?)null)
            .SetProperty(j => j.LockedUntil, (long?)null)
            .SetProperty(j => j.LastError, (string?)null), ct) == 1;
    }

    /// <summary>Schedules a retry after <paramref name="delay"/>, or dead-letters the job when it used its last attempt.</summary>
    internal static async Task<JobState> FailAsync(Cell cell, JobRow claim, string error, TimeSpan delay, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var dead = claim.Attempts >= claim.MaxAttempts;
        var runAfter = (now + delay).ToUnixTimeMilliseconds();
        error = error.Length > 1000 ? error[..1000] : error;
        await using var db = cell.CreateDbContext();
        var changed = dead
            ? await Claimed(db, claim).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.DeadLettered)
                .SetProperty(j => j.DeadLettered, true)
                .SetProperty(j => j.CompletedAt, now.UtcDateTime)
                .SetProperty(j => j.LockedBy, (string?)null)
                .SetProperty(j => j.LockedUntil, (long?)null)
                .SetProperty(j => j.LastError, error), ct)
            : await Claimed(db, claim).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Queued)
                .SetProperty(j => j.RunAfter, runAfter)
                .SetProperty(j => j.LockedBy, (string?)null)
                .SetProperty(j => j.LockedUntil, (long?)null)
                .SetProperty(j => j.LastError, error), ct);
        return changed == 0 ? JobState.Running : dead ? JobState.DeadLettered : JobState.Queued;
    }

    /// <summary>Gives a claimed job back without counting the attempt (the host is shutting down).</summary>
    internal static async Task ReleaseAsync(Cell cell, JobRow claim, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        await Claimed(db, claim).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.State, JobState.Queued)
            .SetProperty(j => j.Attempts, j => j.Attempts - 1)
            .SetProperty(j => j.LockedBy, (string?)null)
            .SetProperty(j => j.LockedUntil, (long?)null), ct);
    }

    /// <summary>Extends the lease of a job still being worked on; false when the claim was lost.</summary>
    internal static async Task<bool> RenewAsync(Cell cell, JobRow claim, TimeSpan lease, TimeProvider time, CancellationToken ct)
    {
        var until = (time.GetUtcNow() + lease).ToUnixTimeMilliseconds();
        await using var db = cell.CreateDbContext();
        return await Claimed(db, claim).ExecuteUpdateAsync(s => s.SetProperty(j => j.LockedUntil, until), ct) == 1;
    }

    /// <summary>Queue depth and the age of the oldest due job, for health and metrics.</summary>
    public static async Task<(int Due, int DeadLettered, TimeSpan OldestDueAge)> StatsAsync(Cell cell, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = cell.CreateDbContext();
        var jobs = db.Set<JobRow>().AsNoTracking();
        var due = await jobs.CountAsync(j => j.State == JobState.Queued && j.RunAfter <= now, ct);
        var dead = await jobs.CountAsync(j => j.State == JobState.DeadLettered, ct);
        var oldest = await jobs.Where(j => j.State == JobState.Queued && j.RunAfter <= now).OrderBy(j => j.RunAfter).Select(j => (long?)j.RunAfter).FirstOrDefaultAsync(ct);
        return (due, dead, oldest is { } at ? TimeSpan.FromMilliseconds(now - at) : TimeSpan.Zero);
    }

    /// <summary>
    /// Unfinished jobs by kind and exported state (see <see cref="Telemetry.CellProbe.States"/>), each with the wait of
    /// its oldest due job; and the safe error of a backup job that failed and waits for its retry, if any.
    /// </summary>
    public static async Task<(IReadOnlyList<Platform.Telemetry.JobGauge> Jobs, string? BackupFailure)> GaugesAsync(Cell cell, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = cell.CreateDbContext();
        // The states still in the queue, by name: "not succeeded" would read every finished job the table keeps.
        var jobs = db.Set<JobRow>().AsNoTracking().Where(j => j.State == JobState.Queued || j.State == JobState.Running || j.State == JobState.DeadLettered);
        var groups = await jobs
            .GroupBy(j => new { j.Kind, j.State, Retrying = j.Attempts > 0 })
            .Select(g => new { g.Key.Kind, g.Key.State, g.Key.Retrying, Count = g.Count(), OldestDue = g.Min(j => j.RunAfter <= now ? (long?)j.RunAfter : null) })
            .ToListAsync(ct);
        var gauges = groups
            .Select(g => (g.Kind, State: g.State switch
            {
                JobState.Queued => g.Retrying ? "retrying" : "queued",
                JobState.Running => "running",
                _ => "dead_lettered",
            }, g.Count, g.OldestDue))
            .GroupBy(g => (g.Kind, g.State))
            .Select(g => new Platform.Telemetry.JobGauge(g.Key.Kind, g.Key.State, g.Sum(x => x.Count),
                g.Min(x => x.OldestDue) is { } due ? (now - due) / 1000.0 : null))
            .OrderBy(g => g.Kind, StringComparer.Ordinal).ThenBy(g => g.State, StringComparer.Ordinal)
            .ToList();
        var backupFailure = await jobs
            .Where(j => j.Kind == Features.Backups.BackupJobHandler.JobKind && j.State == JobState.Queued && j.Attempts > 0)
            .OrderByDescending(j => j.CreatedAt).Select(j => j.LastError).FirstOrDefaultAsync(ct);
        return (gauges, backupFailure);
    }

    private static IQueryable<JobRow> Claimed(CellDbContext db, JobRow claim) =>
        db.Set<JobRow>().Where(j => j.Id == claim.Id && j.State == JobState.Running && j.LockedBy == claim.LockedBy && j.Attempts == claim.Attempts);

    private static ObjectContext PayloadContext(string region, string organizationId, string jobId) =>
        new(region, organizationId, jobId, 1, PayloadPurpose);
}
