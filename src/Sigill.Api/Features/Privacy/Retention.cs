using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;
using Sigill.Http;

namespace Sigill.Api.Features.Privacy;

/// <summary>Retention policies (issue 18 part 4): their settings and the daily job. Endpoints: <see cref="RetentionEndpoints"/>.</summary>
public static class RetentionFeature
{
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddSigillOptions<RetentionOptions>("Privacy:Retention");
        services.AddSingleton<IJobHandler, RetentionJob>();
        services.AddHostedService<RetentionScheduler>();
        return services;
    }
}

/// <summary>
/// Section <c>Privacy:Retention</c>. Each cell's retention job is queued once a day at <see cref="DailyAtUtc"/> (false
/// <see cref="Enabled"/>: never; the organizations' policies are then not enforced). One run deletes at most
/// <see cref="BatchSize"/> documents per organization per rule at a time and loops until nothing is due.
/// </summary>
public sealed class RetentionOptions : IValidatedOptions
{
    public bool Enabled { get; set; } = true;

    public TimeSpan DailyAtUtc { get; set; } = new(3, 30, 0);

    public int BatchSize { get; set; } = 200;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (DailyAtUtc < TimeSpan.Zero || DailyAtUtc >= TimeSpan.FromDays(1)) problems.Add("Privacy:Retention:DailyAtUtc must be a time of day (00:00-23:59)");
        if (BatchSize is < 1 or > 1000) problems.Add("Privacy:Retention:BatchSize must be 1-1000");
        return problems;
    }
}

/// <summary>Enqueues each cell's retention run once a day at <see cref="RetentionOptions.DailyAtUtc"/>; nothing when off.</summary>
internal sealed class RetentionScheduler(CellRegistry cells, RetentionOptions options, JobOptions jobs, TimeProvider time, ILogger<RetentionScheduler> logger)
    : DailyJobScheduler(cells, jobs, time, logger)
{
    protected override string Kind => RetentionJob.JobKind;

    protected override string KeyPrefix => "privacy-retention";

    protected override TimeSpan? DueAtUtc => options.Enabled ? options.DailyAtUtc : null;
}

/// <summary>
/// Enforces every organization's retention policy in one cell. Per organization: documents past their period are found
/// in batches (drafts by their last change: creation or latest activity; declined, voided and expired ones by when they
/// ended; completed ones by completion plus the years), each batch asks <see cref="DeletionGate"/> (a held document is
/// skipped, and the hold is recorded once per run as <c>privacy.retention_held</c>: hold id, scope, rule; no content),
/// and the rest is erased through <see cref="Erasure.EraseAsync"/> with the rule (<c>retention:drafts</c>,
/// <c>retention:ended</c>, <c>retention:completed</c>): journaled, re-applied after a restore, one
/// <c>privacy.record_deleted</c> tombstone per document. Then the last-view IP address and user agent of recipients who
/// last viewed more than the period ago are cleared, except on held documents, with one tombstone (kind
/// <c>view-details</c>, the count).
/// Safe to run again and to kill anywhere: an erasure is step-wise idempotent and replayed when the cell opens, and a
/// second run finds only what is still due.
/// </summary>
internal sealed class RetentionJob(RetentionOptions options, ILogger<RetentionJob> logger) : IJobHandler
{
    public const string JobKind = "privacy.retention";

    public string Kind => JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var cell = job.Cell;
        var now = job.Time.GetUtcNow().UtcDateTime;
        List<Organization> organizations;
        await using (var db = cell.CreateDbContext())
        {
            organizations = await db.Organizations.AsNoTracking()
                .Where(o => o.RetentionDraftDays != null || o.RetentionEndedDays != null || o.RetentionCompletedYears != null || o.RetentionViewDetailsDays != null)
                .OrderBy(o => o.Id).ToListAsync(cancellationToken);
        }
        foreach (var org in organizations)
        {
            try
            {
                var deleted = await DeleteDocumentsAsync(cell, org, now, cancellationToken);
                var cleared = await ClearViewDetailsAsync(cell, org, now, cancellationToken);
                if (deleted + cleared > 0) RetentionLog.Enforced(logger, cell.Region, org.Id, deleted, cleared);
            }
            catch (CryptoIntegrityException e) when (e.Reason == CryptoFailureReason.KeyDestroyed)
            {
                RetentionLog.SkippedShredded(logger, cell.Region, org.Id); // crypto-shredded: nothing of it is readable anyway
            }
        }
    }

    /// <summary>The documents of one rule that are due, oldest first; <paramref name="skip"/> are held ones seen this run.</summary>
    private IQueryable<string>? Due(CellDbContext db, Organization org, string rule, DateTime now, List<string> skip)
    {
        var documents = db.Documents.AsNoTracking().Where(d => d.OrganizationId == org.Id && !skip.Contains(d.Id));
        switch (rule)
        {
            case "retention:drafts" when org.RetentionDraftDays is { } days:
                var changed = now.AddDays(-days);
                var activity = db.Set<DocumentEventRow>();
                return documents.Where(d => d.Status == DocumentStates.Draft && d.CreatedAt < changed
                        && !activity.Any(e => e.OrganizationId == org.Id && e.DocumentId == d.Id && e.OccurredAt >= changed))
                    .OrderBy(d => d.CreatedAt).Select(d => d.Id).Take(options.BatchSize);
            case "retention:ended" when org.RetentionEndedDays is { } days:
                var ended = now.AddDays(-days);
                return documents.Where(d => (d.Status == DocumentStates.Declined && d.DeclinedAt < ended)
                        || (d.Status == DocumentStates.Voided && d.VoidedAt < ended)
                        || (d.Status == DocumentStates.Expired && d.ExpiresAt < ended))
                    .OrderBy(d => d.CreatedAt).Select(d => d.Id).Take(options.BatchSize);
            case "retention:completed" when org.RetentionCompletedYears is { } years:
                var completed = now.AddYears(-years);
                return documents.Where(d => d.Status == DocumentStates.Completed && d.CompletedAt < completed)
                    .OrderBy(d => d.CompletedAt).Select(d => d.Id).Take(options.BatchSize);
            default:
                return null;
        }
    }

    private async Task<int> DeleteDocumentsAsync(Cell cell, Organization org, DateTime now, CancellationToken ct)
    {
        if (!ErasureJournal.IsConfigured(cell))
        {
            if (org.RetentionDraftDays is not null || org.RetentionEndedDays is not null || org.RetentionCompletedYears is not null)
            {
                RetentionLog.NoJournal(logger, cell.Region, org.Id);
            }
            return 0;
        }
        var deleted = 0;
        var skip = new List<string>();
        var recorded = new HashSet<string>(StringComparer.Ordinal); // holds already recorded this run
        foreach (var rule in new[] { "retention:drafts", "retention:ended", "retention:completed" })
        {
            while (true)
            {
                List<string> batch;
                await using (var db = cell.CreateDbContext())
                {
                    if (Due(db, org, rule, now, skip) is not { } due) break;
                    batch = await due.ToListAsync(ct);
                }
                if (batch.Count == 0) break;
                var free = await SortOutHeldAsync(cell, org.Id, rule, batch, skip, recorded, now, ct);
                if (free is null) return deleted; // the whole organization is held: nothing of it is deleted this run
                if (free.Count > 0)
                {
                    await Erasure.EraseAsync(cell, org.Id, free, null, rule, AuditActor.System, now, ct);
                    deleted += free.Count;
                }
                if (batch.Count < options.BatchSize) break;
            }
        }
        return deleted;
    }

    /// <summary>
    /// Asks the gate which documents of the batch a legal hold keeps (one pass for the batch): held ones join
    /// <paramref name="skip"/> and their hold is recorded once per run. Returns the free ones; null when the organization
    /// is held as a whole. (The batch is past its period by construction, so no retention keeps any of it.)
    /// </summary>
    private static async Task<List<string>?> SortOutHeldAsync(Cell cell, string org, string rule, List<string> batch, List<string> skip,
        HashSet<string> recorded, DateTime now, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var held = await DeletionGate.HeldDocumentsAsync(db, cell, org, batch, ct);
        if (held.Count == 0) return batch;
        var whole = held.Values.FirstOrDefault(k => k.Scope == "organization");
        await RecordHeldAsync(db, cell, org, rule, whole is null ? held.Values : [whole], recorded, now, ct);
        if (whole is not null) return null;
        skip.AddRange(held.Keys);
        return [.. batch.Where(id => !held.ContainsKey(id))];
    }

    /// <summary>Records each hold that kept something from <paramref name="rule"/> as <c>privacy.retention_held</c>, once per hold and rule in a run.</summary>
    private static async Task RecordHeldAsync(CellDbContext db, Cell cell, string org, string rule, IEnumerable<DeletionGate.Kept> held, HashSet<string> recorded,
        DateTime now, CancellationToken ct)
    {
        foreach (var hold in held.Where(h => h.HoldId is not null && recorded.Add(h.HoldId)))
        {
            await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy.retention_held", org, AuditActor.System, hold.HoldId,
                new Dictionary<string, string> { ["scope"] = hold.Scope, ["rule"] = rule }), now, ct);
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Clears the last-view IP address and user agent of recipients who last viewed before the period, except on documents a
    /// legal hold keeps (each such hold recorded as <c>privacy.retention_held</c> with rule <c>retention:view-details</c>);
    /// one tombstone with the count.
    /// </summary>
    private static async Task<int> ClearViewDetailsAsync(Cell cell, Organization org, DateTime now, CancellationToken ct)
    {
        if (org.RetentionViewDetailsDays is not { } days) return 0;
        var before = now.AddDays(-days);
        await using var db = cell.CreateDbContext();
        var due = await db.Recipients.Where(r => r.OrganizationId == org.Id && r.LastViewedAt < before && (r.LastViewIpToken != null || r.LastViewUserAgentToken != null))
            .Select(r => new { r.Id, r.DocumentId }).ToListAsync(ct);
        if (due.Count == 0) return 0;
        // A legal hold keeps a document's evidence whole, the view details of its recipients included.
        var held = new Dictionary<string, DeletionGate.Kept>(StringComparer.Ordinal);
        foreach (var chunk in due.Select(r => r.DocumentId).Distinct().Chunk(500))
        {
            foreach (var (document, kept) in await DeletionGate.HeldDocumentsAsync(db, cell, org.Id, chunk, ct)) held[document] = kept;
        }
        if (held.Count > 0)
        {
            await RecordHeldAsync(db, cell, org.Id, "retention:view-details", held.Values, new HashSet<string>(StringComparer.Ordinal), now, ct);
        }
        var ids = due.Where(r => !held.ContainsKey(r.DocumentId)).Select(r => r.Id).ToList();
        if (ids.Count == 0) return 0;
        // Sealed before the transaction opens (as in Erasure): sealing may write key usage through another connection.
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy.record_deleted", org.Id, AuditActor.System, null,
            new Dictionary<string, string>
            {
                ["kind"] = "view-details",
                ["rule"] = "retention:view-details",
                ["count"] = ids.Count.ToString(CultureInfo.InvariantCulture),
            }), now, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var chunk in ids.Chunk(500))
        {
            await db.Recipients.Where(r => r.OrganizationId == org.Id && chunk.Contains(r.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.LastViewIpToken, (string?)null).SetProperty(r => r.LastViewUserAgentToken, (string?)null), ct);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return ids.Count;
    }
}

internal static partial class RetentionLog
{
    [LoggerMessage(EventId = 9701, Level = LogLevel.Information, Message = "Retention in region {Region}, organization {OrganizationId}: {Documents} documents deleted, view details of {Recipients} recipients cleared.")]
    public static partial void Enforced(ILogger logger, string region, string organizationId, int documents, int recipients);

    [LoggerMessage(EventId = 9702, Level = LogLevel.Warning, Message = "Retention in region {Region}, organization {OrganizationId}: documents are due for deletion but the region has no erasure journal (Cells:<region>:ErasureJournalDirectory); nothing deleted.")]
    public static partial void NoJournal(ILogger logger, string region, string organizationId);

    [LoggerMessage(EventId = 9703, Level = LogLevel.Information, Message = "Retention in region {Region}: organization {OrganizationId} skipped, its keys are destroyed (crypto-shredded).")]
    public static partial void SkippedShredded(ILogger logger, string region, string organizationId);
}
