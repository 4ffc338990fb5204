using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// The one question every deletion path asks before it deletes documents (ADR 0016): is anything of them kept? A legal
/// hold on one of the documents, on a person who is a recipient of one, or on the whole organization keeps them.
/// Retention periods join here when the retention policies land (issue 18 part 4); today a hold keeps a document until
/// it is released, so <see cref="Kept.Until"/> is null. A path that deletes documents is marked with <see cref="Marker"/>
/// on its endpoint, and <c>DeletionGateTests</c> enumerates the route table: a new deleting route must be marked, and
/// every marked route is shown to stop at a hold.
/// </summary>
public static class DeletionGate
{
    /// <summary>Endpoint metadata: this route deletes documents and asks the gate first.</summary>
    public sealed class Gated;

    public static readonly Gated Marker = new();

    /// <summary>Why the documents are kept: the hold, its reason (decrypted for the organization's own admin) and until when (null: until released).</summary>
    public sealed record Kept(string HoldId, string Scope, string Reason, DateTime? Until);

    public static async Task<Kept?> CheckAsync(CellDbContext db, Cell cell, string organizationId, IReadOnlyCollection<string> documentIds, CancellationToken ct)
    {
        var holds = await db.Set<LegalHold>().AsNoTracking()
            .Where(h => h.OrganizationId == organizationId && h.ReleasedAt == null).OrderBy(h => h.CreatedAt).ToListAsync(ct);
        if (holds.Count == 0) return null;
        var people = holds.Where(h => h.EmailIndex is not null).Select(h => h.EmailIndex!).ToList();
        var heldPeople = people.Count == 0 || documentIds.Count == 0 ? [] : await db.Recipients.AsNoTracking()
            .Where(r => r.OrganizationId == organizationId && documentIds.Contains(r.DocumentId) && people.Contains(r.EmailIndex))
            .Select(r => r.EmailIndex).Distinct().ToListAsync(ct);
        var hold = holds.FirstOrDefault(h => h.Scope == "organization"
            || (h.DocumentId is not null && documentIds.Contains(h.DocumentId))
            || (h.EmailIndex is not null && heldPeople.Contains(h.EmailIndex)));
        if (hold is null) return null;
        var reason = await cell.Keys.DecryptFieldAsync(organizationId, LegalHold.ReasonPurpose, hold.ReasonToken, hold.Id, ct) ?? "";
        return new Kept(hold.Id, hold.Scope, reason, null);
    }

    /// <summary>
    /// The refusal: recorded as the audit event <c>privacy.deletion_refused</c> (what was asked, which hold; the reason's
    /// text stays in the hold) and answered 409 <c>deletion_held</c> with the reason and the date until which it is kept.
    /// </summary>
    public static async Task<ProblemHttpResult> RefuseAsync(CellDbContext db, Cell cell, string organizationId, AuditActor actor, string path, string target,
        Kept kept, DateTime now, CancellationToken ct)
    {
        await RecordRefusalAsync(db, cell, organizationId, actor, path, target, kept, now, ct);
        var problem = Problems.Conflict(ErrorCodes.DeletionHeld,
            $"Kept under a legal hold on the {kept.Scope} ({kept.HoldId}): {kept.Reason}. It is kept until the hold is released.");
        problem.ProblemDetails.Extensions["holdId"] = kept.HoldId;
        problem.ProblemDetails.Extensions["reason"] = kept.Reason;
        problem.ProblemDetails.Extensions["keptUntil"] = kept.Until;
        return problem;
    }

    /// <summary>Records the refusal as the audit event <c>privacy.deletion_refused</c>: what was asked, which hold; no content.</summary>
    public static async Task RecordRefusalAsync(CellDbContext db, Cell cell, string organizationId, AuditActor actor, string path, string target,
        Kept kept, DateTime now, CancellationToken ct)
    {
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy.deletion_refused", organizationId, actor, target,
            new Dictionary<string, string> { ["path"] = path, ["hold"] = kept.HoldId, ["scope"] = kept.Scope }), now, ct);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// The gate for deleting a whole organization (crypto-shredding, <c>sigill keys shred</c>): it deletes every document, so
    /// what keeps any one of them keeps the organization. Asked in pages of documents, so a large organization is not
    /// one unbounded query.
    /// </summary>
    public static async Task<Kept?> CheckOrganizationAsync(CellDbContext db, Cell cell, string organizationId, CancellationToken ct)
    {
        string? after = null;
        while (true)
        {
            var page = await db.Documents.AsNoTracking().Where(d => d.OrganizationId == organizationId && (after == null || string.Compare(d.Id, after) > 0))
                .OrderBy(d => d.Id).Select(d => d.Id).Take(500).ToListAsync(ct);
            if (await CheckAsync(db, cell, organizationId, page, ct) is { } kept) return kept;
            if (page.Count < 500) return null;
            after = page[^1];
        }
    }
}
