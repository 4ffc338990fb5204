using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;


using Directory = Sigill.Api.Features.Accounts.Directory;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Organizations;

namespace Sigill.Api.Features.Members;

/// <summary>Members, roles and invitations of the caller's organization. Another organization's records answer 404.</summary>
public static class MemberEndpoints
{
    public sealed record RoleRequest(string? Role);
    public sealed record InviteRequest(string? Email, string? Role);

    public static void MapMembers(this IEndpointRouteBuilder app)
    {
        var members = app.MapGroup("/api/v1/members").WithTags("Members");
        members.MapGet("/", List).RequireAuthorization(Policies.MembersRead);
        members.MapPatch("/{userId}", ChangeRole).RequireAuthorization(Policies.MembersWrite);
        members.MapDelete("/{userId}", Remove).RequireAuthorization(Policies.MembersWrite);
        var invitations = app.MapGroup("/api/v1/invitations").WithTags("Members");
        invitations.MapGet("/", ListInvitations).RequireAuthorization(Policies.MembersRead);
        invitations.MapPost("/", Invite).RequireAuthorization(Policies.MembersWrite);
        invitations.MapDelete("/{id}", RevokeInvitation).RequireAuthorization(Policies.MembersWrite);
    }

    private static async Task<Ok<List<MemberView>>> List(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var cell = caller.Cell;
        var views = new List<MemberView>();
        foreach (var m in await db.Memberships.Where(m => m.OrganizationId == caller.OrganizationId).OrderBy(m => m.CreatedAt).ToListAsync(ct))
        {
            views.Add(new(m.UserId,
                (await cell.Keys.DecryptFieldAsync(m.OrganizationId, Membership.EmailPurpose, m.EmailToken, m.UserId, ct))!,
                (await cell.Keys.DecryptFieldAsync(m.OrganizationId, Membership.NamePurpose, m.NameToken, m.UserId, ct))!,
                m.Role, m.CreatedAt));
        }
        return TypedResults.Ok(views);
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> ChangeRole(string userId, RoleRequest request, Caller caller,
        CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var member = await db.Memberships.SingleOrDefaultAsync(m => m.OrganizationId == caller.OrganizationId && m.UserId == userId, ct);
        if (member is null)
        {
            return TypedResults.NotFound();
        }
        if (await ChangeRoleAsync(db, caller, member, request.Role, AuditActor.From(http, caller.Actor), time.GetUtcNow().UtcDateTime, ct) is { } problem)
        {
            return problem;
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Remove(string userId, Caller caller,
        CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var member = await db.Memberships.SingleOrDefaultAsync(m => m.OrganizationId == caller.OrganizationId && m.UserId == userId, ct);
        if (member is null)
        {
            return TypedResults.NotFound();
        }
        if (await RemoveAsync(db, caller, member, AuditActor.From(http, caller.Actor), time.GetUtcNow().UtcDateTime, ct) is { } problem)
        {
            return problem;
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Gives <paramref name="member"/> <paramref name="role"/> under the rules every path shares (valid role, what the caller's role may
    /// assign, never the last owner) and records <c>member.role_changed</c>; the caller saves. Also used by access reviews.
    /// </summary>
    public static async Task<ProblemHttpResult?> ChangeRoleAsync(CellDbContext db, Caller caller, Membership member, string? role,
        AuditActor actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(member);
        if (!Roles.IsValid(role))
        {
            return Problems.Validation($"role must be one of: {string.Join(", ", Roles.All)}.");
        }
        if (RoleProblem(caller, member.Role, role!) is { } problem)
        {
            return problem;
        }
        if (role != Roles.Owner && await IsLastOwnerAsync(db, member, ct))
        {
            return Problems.Conflict(ErrorCodes.LastOwner, "An organization needs at least one owner. Make someone else owner first.");
        }
        await AuditRecorder.RecordAsync(db, caller.Cell, new("member.role_changed", member.OrganizationId,
            actor, member.UserId, new Dictionary<string, string> { ["from"] = member.Role, ["to"] = role! }), now, ct);
        member.Role = role!;
        return null;
    }

    /// <summary>
    /// Removes <paramref name="member"/> under the shared rules, ends their sessions in the organization (at once: run it inside the
    /// caller's transaction when that must be atomic) and records <c>member.removed</c>; the caller saves. Also used by access reviews.
    /// </summary>
    public static async Task<ProblemHttpResult?> RemoveAsync(CellDbContext db, Caller caller, Membership member, AuditActor actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(member);
        if (RoleProblem(caller, member.Role, member.Role) is { } problem)
        {
            return problem;
        }
        if (await IsLastOwnerAsync(db, member, ct))
        {
            return Problems.Conflict(ErrorCodes.LastOwner, "An organization needs at least one owner. Make someone else owner first.");
        }
        db.Memberships.Remove(member);
        // Their sessions in this organization end now; their tokens stop working because the membership is gone.
        await db.Sessions.Where(s => s.UserId == member.UserId && s.OrganizationId == member.OrganizationId && s.RevokedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.RevokedAt, now), ct);
        await AuditRecorder.RecordAsync(db, caller.Cell, new("member.removed", member.OrganizationId, actor, member.UserId), now, ct);
        return null;
    }

    /// <summary>Only people manage people (not tokens or operators), and within what their own role allows.</summary>
    internal static ProblemHttpResult? RoleProblem(Caller caller, string currentRole, string newRole)
    {
        if (caller.Role is not { } role)
        {
            return SessionRequired("Only a signed-in person can change memberships.");
        }
        return Roles.CanAssign(role, currentRole) && Roles.CanAssign(role, newRole)
            ? null
            : Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.RoleNotAssignable, "Your role cannot make this change.", "Only owners manage owners.");
    }

    /// <summary>403 <c>session_required</c>, for a caller without a role: only sessions carry one (tokens and operators do not).</summary>
    internal static ProblemHttpResult SessionRequired(string title) => Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SessionRequired, title);

    /// <summary>Whether <paramref name="member"/> is their organization's only owner (removing them, demoting them or erasing them would leave it ownerless).</summary>
    internal static async Task<bool> IsLastOwnerAsync(CellDbContext db, Membership member, CancellationToken ct) =>
        member.Role == Roles.Owner && await db.Memberships.CountAsync(m => m.OrganizationId == member.OrganizationId && m.Role == Roles.Owner, ct) <= 1;

    private static async Task<Ok<List<InvitationView>>> ListInvitations(Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        var views = new List<InvitationView>();
        foreach (var i in await db.Invitations.Where(i => i.OrganizationId == caller.OrganizationId).OrderByDescending(i => i.CreatedAt).ToListAsync(ct))
        {
            var status = i.AcceptedAt is not null ? "accepted" : i.RevokedAt is not null ? "revoked" : i.ExpiresAt <= now ? "expired" : "pending";
            views.Add(new(i.Id, (await cell.Keys.DecryptFieldAsync(i.OrganizationId, Invitation.EmailPurpose, i.EmailToken, i.Id, ct))!, i.Role, i.CreatedAt, i.ExpiresAt, status));
        }
        return TypedResults.Ok(views);
    }

    private static async Task<Results<Created<InvitationView>, ProblemHttpResult>> Invite(InviteRequest request, Caller caller, CellDbContext db, Features.Accounts.Accounts accounts, IMailer mailer, MailOptions mail, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (!Directory.IsPlausibleEmail(request.Email))
        {
            return Problems.Validation("email must be an e-mail address.");
        }
        if (!Roles.IsValid(request.Role))
        {
            return Problems.Validation($"role must be one of: {string.Join(", ", Roles.All)}.");
        }
        if (RoleProblem(caller, request.Role!, request.Role!) is { } problem)
        {
            return problem;
        }
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        var email = request.Email!.Trim();
        var (presented, id, hash) = PresentedSecret.Invitation.Issue(cell.Region);
        var invitation = new Invitation
        {
            Id = id,
            OrganizationId = caller.OrganizationId,
            EmailHash = accounts.Directory.EmailHash(email),
            EmailToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, Invitation.EmailPurpose, email, id, ct))!,
            Role = request.Role!,
            SecretHash = hash,
            InvitedBy = caller.UserId!,
            CreatedAt = now,
            ExpiresAt = now + accounts.Options.InvitationLifetime,
        };
        db.Invitations.Add(invitation);
        await AuditRecorder.RecordAsync(db, cell, new("member.invited", caller.OrganizationId, AuditActor.From(http, caller.UserId!), id,
            new Dictionary<string, string> { ["role"] = invitation.Role }), now, ct);
        await db.SaveChangesAsync(ct);
        var org = await db.Organizations.SingleAsync(o => o.Id == caller.OrganizationId, ct);
        var orgName = await cell.Keys.DecryptFieldAsync(org.Id, Features.Organizations.Organization.NamePurpose, org.NameToken, org.Id, ct);
        // In the organization's default language (the invited person has no language of their own yet); the role stays its id.
        var words = new MailWords(org.DefaultLanguage, Sigill.Api.Features.Accounts.Accounts.MailResources);
        await mailer.SendAsync(new MailMessage(cell.Region, email, email, words.Format("Invite.Subject", orgName),
            words.Format("Invite.Text", orgName, invitation.Role, $"{mail.LinkBaseUrl.TrimEnd('/')}/invitations/{presented}",
                invitation.ExpiresAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))), ct);
        return TypedResults.Created($"/api/v1/invitations/{id}", new InvitationView(id, email, invitation.Role, now, invitation.ExpiresAt, "pending"));
    }

    private static async Task<Results<NoContent, NotFound>> RevokeInvitation(string id, Caller caller, CellDbContext db,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var invitation = await db.Invitations.SingleOrDefaultAsync(i => i.Id == id && i.OrganizationId == caller.OrganizationId && i.AcceptedAt == null && i.RevokedAt == null, ct);
        if (invitation is null)
        {
            return TypedResults.NotFound();
        }
        var now = time.GetUtcNow().UtcDateTime;
        invitation.RevokedAt = now;
        await AuditRecorder.RecordAsync(db, caller.Cell, new("member.invitation_revoked", caller.OrganizationId,
            AuditActor.From(http, caller.Actor), id), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
