using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// The one question every deletion path asks before it deletes documents (ADR 0016): is anything of them kept? Two things
/// keep a document. (1) A legal hold on one of the documents, on a person who is a recipient of one, or on the whole
/// organization: kept until the hold is released, so <see cref="Kept.Until"/> is null. (2) The organization's retention of
/// completed documents (<see cref="Organization.RetentionCompletedYears"/>): a completed document is kept that many years
/// after completion, so <see cref="Kept.Until"/> is the completion plus the period (the latest one when several are asked
/// about) and <see cref="Kept.HoldId"/> is null. When both apply the hold is answered: it has no end date, so it is the
/// one that says how long the document really stays. The daily retention job (<see cref="RetentionJob"/>) asks the same
/// question for every document it would delete. A path that deletes documents is marked with <see cref="Marker"/> on its
/// endpoint, and <c>DeletionGateTests</c> enumerates the route table: a new deleting route must be marked, and every marked
/// route is shown to stop at a hold.
/// </summary>
public static class DeletionGate
{
    /// <summary>Endpoint metadata: this route deletes documents and asks the gate first.</summary>
    public sealed class Gated;

    public static readonly Gated Marker = new();

    /// <summary>
    /// Why the documents are kept: the hold (null for retention), its scope (<c>document</c>, <c>person</c>,
    /// <c>organization</c> or <c>retention</c>), its reason (a hold's decrypted for the organization's own admin) and until
    /// when (null: until the hold is released).
    /// </summary>
    public sealed record Kept(string? HoldId, string Scope, string Reason, DateTime? Until);

    public const string RetentionScope = "retention";

    public static async Task<Kept?> CheckAsync(CellDbContext db, Cell cell, string organizationId, IReadOnlyCollection<string> documentIds, DateTime now,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return await HeldAsync(db, cell, organizationId, documentIds, ct) ?? await RetainedAsync(db, organizationId, documentIds, now, ct);
    }

    private static async Task<Kept?> RetainedAsync(CellDbContext db, string organizationId, IReadOnlyCollection<string> documentIds, DateTime now, CancellationToken ct)
    {
        if (documentIds.Count == 0) return null;
        var years = await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).Select(o => o.RetentionCompletedYears).SingleOrDefaultAsync(ct);
        if (years is not { } n) return null;
        var since = now.AddYears(-n);
        var latest = await db.Documents.AsNoTracking()
            .Where(d => d.OrganizationId == organizationId && documentIds.Contains(d.Id) && d.Status == DocumentStates.Completed && d.CompletedAt != null && d.CompletedAt > since)
            .MaxAsync(d => d.CompletedAt, ct);
        return latest is { } completed
            ? new Kept(null, RetentionScope, string.Create(CultureInfo.InvariantCulture, $"completed documents are kept {n} years after completion"), completed.AddYears(n))
            : null;
    }

    private static async Task<Kept?> HeldAsync(CellDbContext db, Cell cell, string organizationId, IReadOnlyCollection<string> documentIds, CancellationToken ct)
    {
        var (holds, byDocument) = await HoldsAsync(db, organizationId, documentIds, ct);
        // The earliest hold that keeps any of them (an organization's hold keeps even an empty set: the organization itself).
        var hold = holds.FirstOrDefault(h => h.Scope == "organization" || byDocument.ContainsValue(h));
        return hold is null ? null : await KeptByAsync(cell, hold, ct);
    }

    /// <summary>
    /// Which of <paramref name="documentIds"/> a legal hold keeps, each with the earliest hold that does (absent: none).
    /// For a batch (the retention job): two queries and one reason decrypted per hold, however many documents are asked about.
    /// </summary>
    public static async Task<Dictionary<string, Kept>> HeldDocumentsAsync(CellDbContext db, Cell cell, string organizationId, IReadOnlyCollection<string> documentIds,
        CancellationToken ct)
    {
        var (_, byDocument) = await HoldsAsync(db, organizationId, documentIds, ct);
        var kept = new Dictionary<string, Kept>(StringComparer.Ordinal);
        var reasons = new Dictionary<string, Kept>(StringComparer.Ordinal);
        foreach (var (document, hold) in byDocument)
        {
            if (!reasons.TryGetValue(hold.Id, out var k)) reasons[hold.Id] = k = await KeptByAsync(cell, hold, ct);
            kept[document] = k;
        }
        return kept;
    }

    /// <summary>The organization's active holds (oldest first) and, for each document they keep, the oldest that does.</summary>
    private static async Task<(List<LegalHold> Holds, Dictionary<string, LegalHold> ByDocument)> HoldsAsync(CellDbContext db, string organizationId,
        IReadOnlyCollection<string> documentIds, CancellationToken ct)
    {
        var holds = await db.Set<LegalHold>().AsNoTracking()
            .Where(h => h.OrganizationId == organizationId && h.ReleasedAt == null).OrderBy(h => h.CreatedAt).ToListAsync(ct);
        var byDocument = new Dictionary<string, LegalHold>(StringComparer.Ordinal);
        if (holds.Count == 0 || documentIds.Count == 0) return (holds, byDocument);
        var people = holds.Where(h => h.EmailIndex is not null).Select(h => h.EmailIndex!).ToList();
        var heldPeople = people.Count == 0 ? [] : (await db.Recipients.AsNoTracking()
            .Where(r => r.OrganizationId == organizationId && documentIds.Contains(r.DocumentId) && people.Contains(r.EmailIndex))
            .Select(r => new { r.DocumentId, r.EmailIndex }).Distinct().ToListAsync(ct))
            .Select(r => (r.DocumentId, r.EmailIndex)).ToHashSet();
        foreach (var document in documentIds)
        {
            var hold = holds.FirstOrDefault(h => h.Scope == "organization" || h.DocumentId == document
                || (h.EmailIndex is not null && heldPeople.Contains((document, h.EmailIndex))));
            if (hold is not null) byDocument[document] = hold;
        }
        return (holds, byDocument);
    }

    /// <summary>
    /// The gate for erasing a person's records that are not documents (their membership, invitations, queued e-mails,
    /// the audit events naming them; <paramref name="emailIndex"/> is their address's recipient blind index here): a hold
    /// on that person or on the whole organization keeps them, even when the person is on no document.
    /// </summary>
    public static async Task<Kept?> CheckPersonAsync(CellDbContext db, Cell cell, string organizationId, string emailIndex, CancellationToken ct)
    {
        var hold = await db.Set<LegalHold>().AsNoTracking()
            .Where(h => h.OrganizationId == organizationId && h.ReleasedAt == null && (h.Scope == "organization" || h.EmailIndex == emailIndex))
            .OrderBy(h => h.CreatedAt).FirstOrDefaultAsync(ct);
        return hold is null ? null : await KeptByAsync(cell, hold, ct);
    }

    private static async Task<Kept> KeptByAsync(Cell cell, LegalHold hold, CancellationToken ct)
    {
        var reason = await cell.Keys.DecryptFieldAsync(hold.OrganizationId, LegalHold.ReasonPurpose, hold.ReasonToken, hold.Id, ct) ?? "";
        return new Kept(hold.Id, hold.Scope, reason, null);
    }

    /// <summary>
    /// The refusal: recorded as the audit event <c>privacy.deletion_refused</c> (what was asked, which hold or the retention
    /// date; the reason's text stays in the hold) and answered 409 <c>deletion_held</c> with the reason and the date until
    /// which it is kept (null: until the hold is released).
    /// </summary>
    public static async Task<ProblemHttpResult> RefuseAsync(CellDbContext db, Cell cell, string organizationId, AuditActor actor, string path, string target,
        Kept kept, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(kept);
        await RecordRefusalAsync(db, cell, organizationId, actor, path, target, kept, now, ct);
        var problem = Problems.Conflict(ErrorCodes.DeletionHeld, kept.HoldId is null
            ? string.Create(CultureInfo.InvariantCulture, $"Kept under the organization's retention policy: {kept.Reason}. It is kept until {kept.Until:yyyy-MM-dd}.")
            : $"Kept under a legal hold on the {kept.Scope} ({kept.HoldId}): {kept.Reason}. It is kept until the hold is released.");
        problem.ProblemDetails.Extensions["holdId"] = kept.HoldId;
        problem.ProblemDetails.Extensions["reason"] = kept.Reason;
        problem.ProblemDetails.Extensions["keptUntil"] = kept.Until;
        return problem;
    }

    /// <summary>Records the refusal as the audit event <c>privacy.deletion_refused</c>: what was asked, which hold; no content.</summary>
    public static async Task RecordRefusalAsync(CellDbContext db, Cell cell, string organizationId, AuditActor actor, string path, string target,
        Kept kept, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(kept);
        var details = new Dictionary<string, string> { ["path"] = path, ["scope"] = kept.Scope };
        if (kept.HoldId is { } holdId) details["hold"] = holdId;
        if (kept.Until is { } until) details["until"] = until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy.deletion_refused", organizationId, actor, target, details), now, ct);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// The gate for deleting a whole organization (crypto-shredding, <c>sigill keys shred</c>): it deletes every document, so
    /// what keeps any one of them keeps the organization. Asked in pages of documents, so a large organization is not
    /// one unbounded query.
    /// </summary>
    public static async Task<Kept?> CheckOrganizationAsync(CellDbContext db, Cell cell, string organizationId, DateTime now, CancellationToken ct)
    {
        string? after = null;
        while (true)
        {
            var page = await db.Documents.AsNoTracking().Where(d => d.OrganizationId == organizationId && (after == null || string.Compare(d.Id, after) > 0))
                .OrderBy(d => d.Id).Select(d => d.Id).Take(500).ToListAsync(ct);
            if (await CheckAsync(db, cell, organizationId, page, now, ct) is { } kept) return kept;
            if (page.Count < 500) return null;
            after = page[^1];
        }
    }
}
