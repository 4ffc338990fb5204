using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Directory = Sigill.Api.Features.Accounts.Directory;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Members;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;
using Sigill.Crypto;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// Erasure (Article 17) and legal holds, scope <c>privacy</c> (ADR 0016). Erasing a person erases every document they are
/// on: a sent or sealed document cannot be edited, so the person leaves it only with it. Another organization's document
/// or person is simply not found (404, as a missing one); the person erased travels in the body, never the URL.
/// </summary>
public static class ErasureEndpoints
{
    public static void MapErasure(this RouteGroupBuilder privacy)
    {
        privacy.MapPost("/erasures", Erase).RequireAuthorization(Policies.Privacy).WithMetadata(DeletionGate.Marker);
        privacy.MapPost("/holds", SetHold).RequireAuthorization(Policies.Privacy);
        privacy.MapGet("/holds", ListHolds).RequireAuthorization(Policies.Privacy);
        privacy.MapPost("/holds/{id}/release", ReleaseHold).RequireAuthorization(Policies.Privacy);
    }

    private static async Task<Results<Ok<ErasureResult>, NotFound, ProblemHttpResult>> Erase(ErasureRequest request, Caller caller, CellDbContext db,
        Accounts.Accounts accounts, MailOptions mail, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var documentId = request.DocumentId?.Trim() is { Length: > 0 } d ? d : null;
        var email = request.Email?.Trim() is { Length: > 0 } e ? e : null;
        if ((documentId is null) == (email is null)) return Problems.Validation("Give either documentId or email (one of the two).");
        if (email is not null && (email.Length > 320 || !Directory.IsPlausibleEmail(email))) return Problems.Validation("email is not an e-mail address.");
        if (!ErasureJournal.IsConfigured(caller.Cell))
        {
            return Problems.Conflict(ErrorCodes.ErasureNotConfigured, "This region has no erasure journal (Cells:<region>:ErasureJournalDirectory); nothing was erased.");
        }
        if (documentId is { Length: > 64 }) return TypedResults.NotFound();
        var org = caller.OrganizationId;
        var cell = caller.Cell;
        string? subject = null;
        List<string> documents;
        if (documentId is not null)
        {
            documents = await db.Documents.Where(x => x.OrganizationId == org && x.Id == documentId).Select(x => x.Id).ToListAsync(ct);
        }
        else
        {
            subject = await cell.Keys.BlindIndexAsync(org, Recipient.EmailIndexPurpose, CellKeyManager.NormalizeEmail(email!), ct);
            documents = await db.Recipients.Where(r => r.OrganizationId == org && r.EmailIndex == subject).Select(r => r.DocumentId).Distinct().OrderBy(x => x).ToListAsync(ct);
        }
        // A person is also their membership here (not their account), the invitations to their address, the e-mails queued
        // to them and the audit events that name them outside their documents.
        string? member = null;
        PersonRecords.Found? rest = null;
        if (email is not null)
        {
            var emailHash = accounts.Directory.EmailHash(email);
            var userId = await db.Users.Where(u => u.EmailHash == emailHash).Select(u => u.Id).SingleOrDefaultAsync(ct);
            var membership = userId is null ? null : await db.Memberships.SingleOrDefaultAsync(m => m.OrganizationId == org && m.UserId == userId, ct);
            if (membership is not null)
            {
                if (await MemberEndpoints.IsLastOwnerAsync(db, membership, ct))
                {
                    var refusal = Problems.Conflict(ErrorCodes.LastOwner,
                        "This person is the organization's last owner. Make someone else owner first (or have the operator close the organization); nothing was erased.");
                    refusal.ProblemDetails.Extensions["organizations"] = new[] { org };
                    return refusal;
                }
                member = membership.UserId;
            }
            rest = await PersonRecords.FindAsync(db, cell, org, member ?? userId, email, emailHash, ct);
        }
        if (documents.Count == 0 && member is null && rest is not { Any: true }) return TypedResults.NotFound();
        var actor = AuditActor.From(http, caller.Actor);
        var now = time.GetUtcNow().UtcDateTime;
        var kept = await DeletionGate.CheckAsync(db, cell, org, documents, now, ct)
            ?? (subject is null ? null : await DeletionGate.CheckPersonAsync(db, cell, org, subject, ct));
        if (kept is not null)
        {
            return await DeletionGate.RefuseAsync(db, cell, org, actor, "privacy.erasure", documentId ?? "person", kept, now, ct);
        }
        var entry = new ErasureEntry(Erasure.NewId(cell), now, org, documents, subject)
        {
            Member = member,
            Events = rest is { Events.Count: > 0 } ? rest.Events : null,
            Invitations = rest is { Invitations.Count: > 0 } ? rest.Invitations : null,
            Mails = rest is { Mails.Count: > 0 } ? rest.Mails : null,
        };
        await Erasure.EraseAllAsync(cell, [entry], documentId is null ? "person_erasure" : "document_erasure", actor, now, ct);
        var outbox = email is null ? 0 : MailServices.DeleteOutboxCopies(mail, cell.Region, email); // in no backup: nothing to replay
        return TypedResults.Ok(new ErasureResult(entry.Id, documents)
        {
            Membership = member is not null,
            Events = rest?.Events.Count ?? 0,
            Invitations = rest?.Invitations.Count ?? 0,
            Mails = (rest?.Mails.Count ?? 0) + outbox,
        });
    }

    private static async Task<Results<Created<LegalHoldView>, NotFound, ProblemHttpResult>> SetHold(LegalHoldRequest request, Caller caller, CellDbContext db,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var reason = request.Reason?.Trim();
        if (reason is not { Length: > 0 and <= 500 }) return Problems.Validation("reason is required (at most 500 characters).");
        var org = caller.OrganizationId;
        var cell = caller.Cell;
        string? documentId = null, emailIndex = null;
        switch (request.Scope)
        {
            case "document" when request.DocumentId is { Length: > 0 and <= 64 } id && request.Email is null:
                if (!await db.Documents.AnyAsync(x => x.OrganizationId == org && x.Id == id, ct)) return TypedResults.NotFound();
                documentId = id;
                break;
            case "person" when request.Email?.Trim() is { Length: > 0 and <= 320 } email && Directory.IsPlausibleEmail(email) && request.DocumentId is null:
                // A hold may precede the documents: the person need not be a recipient yet.
                emailIndex = await cell.Keys.BlindIndexAsync(org, Recipient.EmailIndexPurpose, CellKeyManager.NormalizeEmail(email), ct);
                break;
            case "organization" when request.DocumentId is null && request.Email is null:
                break;
            default:
                return Problems.Validation("scope is document (with documentId), person (with email) or organization (with neither).");
        }
        var holdId = SigillId.New("hold", cell.Region);
        var hold = new LegalHold
        {
            Id = holdId,
            OrganizationId = org,
            Scope = request.Scope,
            DocumentId = documentId,
            EmailIndex = emailIndex,
            ReasonToken = (await cell.Keys.EncryptFieldAsync(org, LegalHold.ReasonPurpose, reason, holdId, ct))!,
            SetBy = caller.Actor,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Add(hold);
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy.hold_set", org, AuditActor.From(http, caller.Actor), holdId,
            new Dictionary<string, string> { ["scope"] = hold.Scope }), hold.CreatedAt, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/privacy/holds/{holdId}", await ViewAsync(cell, hold, ct));
    }

    private static async Task<Ok<List<LegalHoldView>>> ListHolds(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var views = new List<LegalHoldView>();
        foreach (var hold in await db.Set<LegalHold>().AsNoTracking().Where(h => h.OrganizationId == caller.OrganizationId).OrderBy(h => h.CreatedAt).ToListAsync(ct))
        {
            views.Add(await ViewAsync(caller.Cell, hold, ct));
        }
        return TypedResults.Ok(views);
    }

    private static async Task<Results<Ok<LegalHoldView>, NotFound, ProblemHttpResult>> ReleaseHold(string id, Caller caller, CellDbContext db, HttpContext http,
        TimeProvider time, CancellationToken ct)
    {
        var hold = await db.Set<LegalHold>().SingleOrDefaultAsync(h => h.Id == id && h.OrganizationId == caller.OrganizationId, ct);
        if (hold is null) return TypedResults.NotFound();
        if (hold.ReleasedAt is not null) return Problems.Conflict(ErrorCodes.HoldReleased, "This legal hold is already released.");
        hold.ReleasedAt = time.GetUtcNow().UtcDateTime;
        hold.ReleasedBy = caller.Actor;
        await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("privacy.hold_released", hold.OrganizationId, AuditActor.From(http, caller.Actor), hold.Id,
            new Dictionary<string, string> { ["scope"] = hold.Scope }), hold.ReleasedAt.Value, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await ViewAsync(caller.Cell, hold, ct));
    }

    private static async Task<LegalHoldView> ViewAsync(Cell cell, LegalHold hold, CancellationToken ct) =>
        new(hold.Id, hold.Scope, hold.DocumentId,
            await cell.Keys.DecryptFieldAsync(hold.OrganizationId, LegalHold.ReasonPurpose, hold.ReasonToken, hold.Id, ct) ?? "",
            hold.SetBy, hold.CreatedAt, hold.ReleasedAt, hold.ReleasedBy);
}
