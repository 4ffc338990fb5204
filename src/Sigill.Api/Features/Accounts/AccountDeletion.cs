using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.Privacy;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;

namespace Sigill.Api.Features.Accounts;

/// <summary>
/// Deleting one's own account (issue 18, ADR 0016), <c>POST /api/v1/account/delete</c> with the current password. The last
/// owner of an organization cannot leave it ownerless: 409 <c>last_owner</c> names those organizations, and nothing changes.
/// Otherwise the deletion is an erasure, journaled like one so that it survives a restore: for each organization the
/// account belongs to, one entry removes the membership, the invitations and queued e-mails to the address and the
/// content of the audit events that name the person (a tombstone <c>privacy.record_deleted</c> kind <c>account</c>
/// stays); every entry deletes the account (sessions, tokens, challenges, resets) and destroys its own key. The account
/// lives in its region's cell, like everything it owns, so nothing leaves the region.
/// </summary>
public static class AccountDeletion
{
    public const string Rule = "account-deletion";

    public static async Task<Results<NoContent, ProblemHttpResult>> Handle(AccountDeletionRequest request, Caller caller, CellDbContext db, Accounts accounts,
        MailOptions mail, TimeProvider time, CancellationToken ct)
    {
        if (caller.SessionId is null)
        {
            // Only the person, signed in, deletes their account: never a token, whatever its scopes.
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SessionRequired, "Only a signed-in person can delete their account.");
        }
        var cell = caller.Cell;
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == caller.UserId, ct);
        if (user.PasswordHash is null || request.Password is null || !accounts.Passwords.Verify(request.Password, user.PasswordHash))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.PasswordIncorrect,
                "The password is not correct; nothing was deleted.",
                user.PasswordHash is null ? "This account signs in without a password: set one (Forgot password) to confirm the deletion." : null);
        }
        var memberships = await db.Memberships.AsNoTracking().Where(m => m.UserId == user.Id).OrderBy(m => m.CreatedAt).ToListAsync(ct);
        var lastOwned = new List<string>();
        foreach (var membership in memberships)
        {
            if (await MemberEndpoints.IsLastOwnerAsync(db, membership, ct)) lastOwned.Add(membership.OrganizationId);
        }
        if (lastOwned.Count > 0)
        {
            var refusal = Problems.Conflict(ErrorCodes.LastOwner,
                "You are the last owner of " + (lastOwned.Count == 1 ? "an organization" : $"{lastOwned.Count} organizations")
                + ". Make another member owner of it (Members page), or have your Sigill operator close the organization, then delete your account. Nothing was deleted.");
            refusal.ProblemDetails.Extensions["organizations"] = lastOwned;
            return refusal;
        }
        if (!ErasureJournal.IsConfigured(cell))
        {
            return Problems.Conflict(ErrorCodes.ErasureNotConfigured, "This region has no erasure journal (Cells:<region>:ErasureJournalDirectory); nothing was deleted.");
        }
        var email = (await cell.Keys.DecryptFieldAsync(user.Id, User.EmailPurpose, user.EmailToken, user.Id, ct))!;
        var now = time.GetUtcNow().UtcDateTime;
        var entries = new List<ErasureEntry>();
        foreach (var membership in memberships)
        {
            var found = await PersonRecords.FindAsync(db, cell, membership.OrganizationId, user.Id, email, user.EmailHash, ct);
            string subject;
            using (Sigill.Crypto.KeyAccess.Include(membership.OrganizationId))
            {
                // The address's blind index in that organization (as its recipients carry it): how a replay finds e-mails to it.
                subject = await cell.Keys.BlindIndexAsync(membership.OrganizationId, Documents.Recipient.EmailIndexPurpose, Sigill.Crypto.CellKeyManager.NormalizeEmail(email), ct);
            }
            if (await DeletionGate.CheckPersonAsync(db, cell, membership.OrganizationId, subject, ct) is { } kept)
            {
                // The hold's reason is the organization's own (it may concern this very person): the answer does not repeat it.
                await DeletionGate.RecordRefusalAsync(db, cell, membership.OrganizationId, new AuditActor(user.Id, null), "account.delete", user.Id, kept, now, ct);
                var held = Problems.Conflict(ErrorCodes.DeletionHeld,
                    "An organization you belong to keeps your records under a legal hold. Ask its admins; nothing was deleted.");
                held.ProblemDetails.Extensions["organizations"] = new[] { membership.OrganizationId };
                return held;
            }
            entries.Add(new ErasureEntry(Erasure.NewId(cell), now, membership.OrganizationId, [], subject)
            {
                Member = user.Id,
                Account = user.Id,
                Events = found.Events.Count > 0 ? found.Events : null,
                Invitations = found.Invitations.Count > 0 ? found.Invitations : null,
                Mails = found.Mails.Count > 0 ? found.Mails : null,
            });
        }
        // Invitations to the address from organizations the person never joined hold it too (encrypted): they go with the account.
        var joined = memberships.Select(m => m.OrganizationId).ToList();
        var elsewhere = await db.Invitations.Where(i => i.EmailHash == user.EmailHash && !joined.Contains(i.OrganizationId)).Select(i => i.Id).OrderBy(i => i).ToListAsync(ct);
        if (entries.Count == 0 || elsewhere.Count > 0)
        {
            entries.Add(new ErasureEntry(Erasure.NewId(cell), now, AuditRecorder.CellOrganization(cell.Region), [], null)
            {
                Account = user.Id,
                Invitations = elsewhere.Count > 0 ? elsewhere : null,
            });
        }
        // The tombstones name the account by id and carry no address: the person's IP is not recorded.
        await Erasure.EraseAllAsync(cell, entries, Rule, new AuditActor(user.Id, null), now, ct);
        MailServices.DeleteOutboxCopies(mail, cell.Region, email); // in no backup: gone once is gone for good
        return TypedResults.NoContent();
    }
}
