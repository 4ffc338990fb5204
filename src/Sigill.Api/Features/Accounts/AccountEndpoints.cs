using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Members;


namespace Sigill.Api.Features.Accounts;

/// <summary>The signed-in person's own account: profile, organizations, sessions, password, second factor and deleting it (<see cref="AccountDeletion"/>). Sessions only.</summary>
public static class AccountEndpoints
{
    public sealed record SwitchRequest(string? OrganizationId);
    public sealed record PasswordRequest(string? CurrentPassword, string? NewPassword);
    public sealed record CodeRequest(string? Code);
    public sealed record CreateOrganizationRequest(string? Name, string? AcceptDpaVersion = null);

    public static RouteGroupBuilder MapAccount(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/account").WithTags("Account").RequireAuthorization(Policies.Account);
        group.MapGet("/", Get);
        group.MapPost("/sign-out", SignOut);
        group.MapGet("/sessions", Sessions);
        group.MapDelete("/sessions/{id}", RevokeSession);
        group.MapPost("/sessions/revoke-all", RevokeAll);
        group.MapPost("/organization", Switch);
        group.MapPost("/organizations", CreateOrganization);
        group.MapPost("/password", ChangePassword);
        group.MapPost("/delete", AccountDeletion.Handle);
        group.MapPost("/totp", StartTotp);
        group.MapGet("/totp", PendingTotp);
        group.MapPost("/totp/confirm", ConfirmTotp);
        group.MapPost("/totp/disable", DisableTotp);
        group.MapGet("/notices", Notices);
        group.MapPut("/notices", ChangeNotices);
        return group;
    }

    private static async Task<Ok<AccountView>> Get(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var cell = caller.Cell;
        var user = await db.Users.SingleAsync(u => u.Id == caller.UserId, ct);
        var memberships = await db.Memberships.Where(m => m.UserId == user.Id).OrderBy(m => m.CreatedAt).ToListAsync(ct);
        var organizations = new List<AccountOrganization>();
        foreach (var m in memberships.Where(m => m.OrganizationId == caller.OrganizationId))
        {
            // Only the active organization's name is decrypted: a session's key scope is its own organization.
            var org = await db.Organizations.SingleAsync(o => o.Id == m.OrganizationId, ct);
            organizations.Add(new(m.OrganizationId, (await cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, ct))!, m.Role));
        }
        organizations.AddRange(memberships.Where(m => m.OrganizationId != caller.OrganizationId).Select(m => new AccountOrganization(m.OrganizationId, "", m.Role)));
        return TypedResults.Ok(new AccountView(user.Id,
            (await cell.Keys.DecryptFieldAsync(user.Id, User.EmailPurpose, user.EmailToken, user.Id, ct))!,
            (await cell.Keys.DecryptFieldAsync(user.Id, User.NamePurpose, user.NameToken, user.Id, ct))!,
            caller.Region, caller.OrganizationId, caller.Role!, user.TotpEnabledAt is not null, organizations));
    }

    /// <summary>The e-mails this member gets about documents they sent: every kind, and whether it is on.</summary>
    public sealed record NoticesView(IReadOnlyList<string> Kinds, IReadOnlyList<string> Off);

    public sealed record NoticesRequest(IReadOnlyList<string>? Off);

    private static async Task<Ok<NoticesView>> Notices(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var muted = await db.Memberships.Where(m => m.OrganizationId == caller.OrganizationId && m.UserId == caller.UserId).Select(m => m.MutedNotices).SingleAsync(ct);
        return TypedResults.Ok(new NoticesView(Membership.NoticeKinds, muted.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    /// <summary>Replaces the list of notices switched off (for the organization the session acts in).</summary>
    private static async Task<Results<Ok<NoticesView>, ProblemHttpResult>> ChangeNotices(NoticesRequest request, Caller caller, CellDbContext db, CancellationToken ct)
    {
        var off = request.Off ?? [];
        if (off.FirstOrDefault(k => !Membership.NoticeKinds.Contains(k, StringComparer.Ordinal)) is { } unknown)
        {
            return Problems.Validation($"off lists notices to switch off, among: {string.Join(", ", Membership.NoticeKinds)} ('{unknown[..Math.Min(unknown.Length, 40)]}' is none).");
        }
        var member = await db.Memberships.SingleAsync(m => m.OrganizationId == caller.OrganizationId && m.UserId == caller.UserId, ct);
        member.MutedNotices = string.Join(' ', Membership.NoticeKinds.Where(off.Contains));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new NoticesView(Membership.NoticeKinds, member.MutedNotices.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    private static async Task<NoContent> SignOut(Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        await RevokeAsync(db, caller.Cell, caller, s => s.Id == caller.SessionId, "session.signed_out", time, http, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<List<SessionView>>> Sessions(Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        var sessions = await db.Sessions.Where(s => s.UserId == caller.UserId && s.RevokedAt == null && s.ExpiresAt > now)
            .OrderByDescending(s => s.CreatedAt).ToListAsync(ct);
        var views = new List<SessionView>();
        foreach (var s in sessions)
        {
            views.Add(new(s.Id, s.Method, await cell.Keys.DecryptFieldAsync(s.UserId, Session.ClientPurpose, s.ClientToken, s.Id, ct),
                s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Id == caller.SessionId));
        }
        return TypedResults.Ok(views);
    }

    // Another person's session answers 404, exactly like one that does not exist.
    private static async Task<Results<NoContent, NotFound>> RevokeSession(string id, Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var revoked = await RevokeAsync(db, caller.Cell, caller, s => s.Id == id, "session.revoked", time, http, ct);
        return revoked > 0 ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<NoContent> RevokeAll(Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        await RevokeAsync(db, caller.Cell, caller, _ => true, "session.revoked_all", time, http, ct);
        return TypedResults.NoContent();
    }

    private static async Task<int> RevokeAsync(CellDbContext db, Cell cell, Caller caller, Func<Session, bool> which, string action, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var sessions = (await db.Sessions.Where(s => s.UserId == caller.UserId && s.RevokedAt == null).ToListAsync(ct)).Where(which).ToList();
        foreach (var s in sessions)
        {
            s.RevokedAt = now;
        }
        if (sessions.Count > 0)
        {
            await AuditRecorder.RecordAsync(db, cell, new(action, caller.OrganizationId, AuditActor.From(http, caller.UserId!), caller.UserId,
                new Dictionary<string, string> { ["sessions"] = string.Join(' ', sessions.Select(s => s.Id)) }), now, ct);
            await db.SaveChangesAsync(ct);
        }
        return sessions.Count;
    }

    // Switching organization starts a new session (a fresh secret) through SignIns, so nothing from the old context
    // carries over and a session without the second factor the account now has gets a challenge instead.
    private static async Task<Results<Ok<SignInResponse>, NotFound, ProblemHttpResult>> Switch(SwitchRequest request, Caller caller, CellDbContext db, SignIns signIns, HttpContext http, CancellationToken ct)
    {
        if (request.OrganizationId is null || !await db.Memberships.AnyAsync(m => m.UserId == caller.UserId && m.OrganizationId == request.OrganizationId, ct))
        {
            return TypedResults.NotFound();
        }
        var current = await db.Sessions.SingleAsync(s => s.Id == caller.SessionId, ct);
        var outcome = await signIns.SwitchAsync(caller.Cell, db, current, request.OrganizationId, http, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(outcome.Response);
    }

    private static async Task<Results<Created<AccountOrganization>, ProblemHttpResult>> CreateOrganization(CreateOrganizationRequest request, Caller caller,
        CellDbContext db, TimeProvider time, TrustCenter.TrustOptions trust, HttpContext http, CancellationToken ct)
    {
        if (request.Name?.Trim() is not { Length: > 0 and <= 200 } name)
        {
            return Problems.Validation("name is required (1-200 characters).");
        }
        if (Privacy.Dpa.Refusal(trust, request.AcceptDpaVersion) is { } notAccepted)
        {
            return notAccepted; // the new organization's owner accepts the agreement, or nothing is created
        }
        var cell = caller.Cell;
        var user = await db.Users.SingleAsync(u => u.Id == caller.UserId, ct);
        var email = (await cell.Keys.DecryptFieldAsync(user.Id, User.EmailPurpose, user.EmailToken, user.Id, ct))!;
        var userName = (await cell.Keys.DecryptFieldAsync(user.Id, User.NamePurpose, user.NameToken, user.Id, ct))!;
        var (organization, _, _) = await OrganizationFactory.CreateCoreAsync(cell, name, null, time, AuditActor.From(http, user.Id),
            new OrganizationOwner(user, false, email, userName), null, ct, Privacy.Dpa.Accepted(trust));
        return TypedResults.Created($"/api/v1/organizations/{organization.Id}", new AccountOrganization(organization.Id, name, Roles.Owner));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(PasswordRequest request, Caller caller, CellDbContext db, Accounts accounts, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var user = await db.Users.SingleAsync(u => u.Id == caller.UserId, ct);
        if (user.PasswordHash is null || request.CurrentPassword is null || !accounts.Passwords.Verify(request.CurrentPassword, user.PasswordHash))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.PasswordIncorrect, "The current password is not correct.");
        }
        if (Accounts.PasswordProblem(request.NewPassword) is { } problem)
        {
            return Problems.Validation(problem);
        }
        var now = time.GetUtcNow().UtcDateTime;
        user.PasswordHash = accounts.Passwords.Hash(request.NewPassword!);
        // Every other session ends: whoever knew the old password is signed out.
        await db.Sessions.Where(s => s.UserId == user.Id && s.Id != caller.SessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.RevokedAt, now), ct);
        await AuditRecorder.RecordAsync(db, caller.Cell, new("user.password_changed", caller.OrganizationId, AuditActor.From(http, user.Id), user.Id), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<TotpEnrolment>, ProblemHttpResult>> StartTotp(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var cell = caller.Cell;
        var user = await db.Users.SingleAsync(u => u.Id == caller.UserId, ct);
        if (user.TotpEnabledAt is not null)
        {
            return Problems.Conflict(ErrorCodes.SecondFactorEnabled, "An authenticator app is already set up. Turn it off first to set up another.");
        }
        var secret = Totp.NewSecret();
        user.TotpSecretToken = await cell.Keys.EncryptFieldAsync(user.Id, User.TotpPurpose, Convert.ToBase64String(secret), user.Id, ct);
        user.TotpPendingFailures = 0;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await EnrolmentAsync(cell, user, secret, ct));
    }

    // The key being set up, to show again (the page after a mistyped code): 404 when none is pending.
    private static async Task<Results<Ok<TotpEnrolment>, NotFound>> PendingTotp(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var cell = caller.Cell;
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == caller.UserId, ct);
        if (user.TotpEnabledAt is not null || user.TotpSecretToken is null)
        {
            return TypedResults.NotFound();
        }
        var secret = Convert.FromBase64String((await cell.Keys.DecryptFieldAsync(user.Id, User.TotpPurpose, user.TotpSecretToken, user.Id, ct))!);
        return TypedResults.Ok(await EnrolmentAsync(cell, user, secret, ct));
    }

    private static async Task<TotpEnrolment> EnrolmentAsync(Cell cell, User user, byte[] secret, CancellationToken ct)
    {
        var email = (await cell.Keys.DecryptFieldAsync(user.Id, User.EmailPurpose, user.EmailToken, user.Id, ct))!;
        return new TotpEnrolment(Totp.Base32Rfc4648(secret), Totp.Uri(secret, "Sigill", email), SecondFactors.PendingAttempts - user.TotpPendingFailures);
    }

    private static async Task<Results<Ok<RecoveryCodes>, ProblemHttpResult>> ConfirmTotp(CodeRequest request, Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var cell = caller.Cell;
        var user = await db.Users.SingleAsync(u => u.Id == caller.UserId, ct);
        if (user.TotpEnabledAt is not null || user.TotpSecretToken is null)
        {
            return Problems.Conflict(ErrorCodes.SecondFactorNotPending, "Start setting up an authenticator app first.");
        }
        var secret = Convert.FromBase64String((await cell.Keys.DecryptFieldAsync(user.Id, User.TotpPurpose, user.TotpSecretToken, user.Id, ct))!);
        if (Totp.Match(secret, request.Code, time.GetUtcNow(), user.TotpLastStep) is not { } step)
        {
            // A few tries keep the key (the person scanned it already); then it goes, so guessing has a bound.
            if (++user.TotpPendingFailures >= SecondFactors.PendingAttempts)
            {
                user.TotpSecretToken = null;
                user.TotpPendingFailures = 0;
                await db.SaveChangesAsync(ct);
                return Problems.Conflict(ErrorCodes.SecondFactorNotPending,
                    $"The code did not match {SecondFactors.PendingAttempts} times, so that key was dropped. Remove it from your app and start again.");
            }
            await db.SaveChangesAsync(ct);
            return Problems.Validation($"The code does not match. Enter the 6-digit code your app shows now ({SecondFactors.PendingAttempts - user.TotpPendingFailures} tries left with this key).");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var (codes, hashes) = SecondFactors.NewRecoveryCodes();
        user.TotpLastStep = step;
        user.TotpPendingFailures = 0;
        user.TotpEnabledAt = now;
        user.RecoveryCodeHashes = hashes;
        // This session has just shown the code: it counts as having given the second factor (an organization switch
        // keeps that); the account's other sessions have not, and get a challenge should they switch.
        var session = await db.Sessions.SingleAsync(s => s.Id == caller.SessionId, ct);
        if (!session.Method.Contains('+', StringComparison.Ordinal))
        {
            session.Method += "+totp";
        }
        await AuditRecorder.RecordAsync(db, cell, new("user.second_factor_enabled", caller.OrganizationId, AuditActor.From(http, user.Id), user.Id), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new RecoveryCodes(codes));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DisableTotp(CodeRequest request, Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var cell = caller.Cell;
        var user = await db.Users.SingleAsync(u => u.Id == caller.UserId, ct);
        if (await SecondFactors.VerifyAsync(cell, user, request.Code, time, ct) is null)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SecondFactorFailed, "The code is not correct.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        user.TotpEnabledAt = null;
        user.TotpSecretToken = null;
        user.RecoveryCodeHashes = "";
        await AuditRecorder.RecordAsync(db, cell, new("user.second_factor_disabled", caller.OrganizationId, AuditActor.From(http, user.Id), user.Id), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
