using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.Audit;


namespace Sigill.Api.Features.Accounts;

/// <summary>
/// The one way to a session (ADR 0011). Every route that signs someone in — password sign-in, the second-factor
/// step, invitation acceptance, a verified sign-up, single sign-on, an organization switch — calls one of the public
/// methods here, and only <see cref="EnterAsync"/> creates a session. It gives an account with a second factor a
/// challenge instead, unless that very sign-in proved the second factor here (<see cref="SecondFactorAsync"/>, or the
/// code sent along with the password): no first factor, whoever vouches for it, is enough on its own. Passwords and
/// codes are checked under the account's throttles (<see cref="Throttle"/>): per account and source with growing
/// delays, and a ceiling per account that slows only sources the account never signed in from.
/// <para>
/// A method that answers a session or a challenge has added rows to <c>db</c>: the caller saves them (in its own
/// transaction, with whatever else that sign-in creates). A method that answers a problem has saved what it had to.
/// </para>
/// </summary>
public sealed class SignIns(IdentityOptions options, PasswordHasher passwords, Throttle throttle, TimeProvider time, Platform.Telemetry.SigillMetrics metrics)
{
    /// <summary>Where the session goes: an organization, joined through <paramref name="Invitation"/> on the way in when given.</summary>
    public sealed record Entry(string OrganizationId, Invitation? Invitation = null);

    /// <summary>A problem, or the answer every sign-in route gives: a session, or a challenge for the second factor.</summary>
    public sealed record Outcome(ProblemHttpResult? Problem, SignInResponse? Response);

    /// <summary>How a brand-new account (made in this very transaction) proved its owner.</summary>
    public enum NewAccountProof
    {
        /// <summary>The link e-mailed at sign-up (<c>email-link</c>).</summary>
        EmailLink,
        /// <summary>A password chosen while accepting an e-mailed invitation (<c>password</c>).</summary>
        InvitationPassword,
    }

    /// <summary>One attempt of a purpose counted against the caller's source, to give back when it succeeds.</summary>
    public sealed record Reservation(string Key, BackoffRule Rule);

    /// <summary>Counts one attempt of <paramref name="purpose"/> from the caller's source, or answers 429 when it must wait.</summary>
    public async Task<(Reservation? Reservation, ProblemHttpResult? Problem)> ReserveAsync(Cell cell, string purpose, BackoffRule rule, HttpContext http, CancellationToken ct)
    {
        var key = throttle.Key(purpose, Throttle.SourceOf(http));
        return await throttle.TryReserveAsync(cell, key, rule, ct) is { } wait ? (null, Throttled(http, wait)) : (new Reservation(key, rule), null);
    }

    public Task GiveBackAsync(Cell cell, Reservation reservation, CancellationToken ct) => throttle.GiveBackAsync(cell, reservation.Key, reservation.Rule, ct);

    /// <summary>
    /// A password for the account whose directory hash is <paramref name="emailHash"/> (known or not: an unknown one
    /// costs the same work and counts the same). <paramref name="entryFor"/> says where a right password leads (null:
    /// nowhere, answered like a wrong password). With a second factor on the account, <paramref name="code"/> may come
    /// along; past the account's ceiling it must, because from an unfamiliar source nothing less gets an answer.
    /// </summary>
    public async Task<Outcome> PasswordAsync(Cell cell, CellDbContext db, string emailHash, string password, string? code,
        Func<User, Task<Entry?>> entryFor, HttpContext http, CancellationToken ct)
    {
        var rules = options.Throttling;
        var account = emailHash[..40];
        var source = Throttle.SourceOf(http);
        var perSource = throttle.Key("password", account, source);
        var perAccount = throttle.Key("password", account);
        if (await throttle.TryReserveAsync(cell, perSource, rules.PasswordPerSource, ct) is { } wait)
        {
            metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", "throttled"));
            return Refused(Throttled(http, wait));
        }
        var known = await throttle.IsKnownAsync(cell, account, source, rules.KnownSourceLifetime, ct);
        var ceiling = known ? null : await throttle.TryReserveAsync(cell, perAccount, rules.PasswordPerAccount, ct);
        var user = await db.Users.SingleOrDefaultAsync(u => u.EmailHash == emailHash, ct);
        bool right;
        if (user?.PasswordHash is null)
        {
            passwords.Burn(password); // the same work for an unknown account: timing tells nothing
            right = false;
        }
        else
        {
            right = passwords.Verify(password, user.PasswordHash);
        }
        var entry = right ? await entryFor(user!) : null;
        if (ceiling is { } slowed)
        {
            // Past the ceiling, from a source this account never signed in from: only the password and a second factor
            // together get in. Anything else gets the same wait, so guessing here learns nothing about the password.
            if (entry is not null && user!.TotpEnabledAt is not null && code is not null
                && await CheckCodeAsync(cell, db, user, code, entry.OrganizationId, http, ct) is ({ } second, _))
            {
                await throttle.ForgetAsync(cell, perSource, ct);
                return await EnterAsync(cell, db, user, entry, "password+" + second, secondFactorGiven: true, http, ct);
            }
            metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", "throttled"));
            return Refused(Throttled(http, slowed));
        }
        if (entry is null)
        {
            metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", "credentials"));
            await RecordAsync(cell, "auth.sign_in_failed", user is null ? null : await Accounts.DefaultOrganizationAsync(db, user.Id, ct), user?.Id, http, ct);
            return Refused(AuthEndpoints.SignInFailed());
        }
        await throttle.ForgetAsync(cell, perSource, ct);
        if (!known)
        {
            await throttle.GiveBackAsync(cell, perAccount, rules.PasswordPerAccount, ct);
        }
        if (await SsoRequiredAsync(db, entry.OrganizationId, user!.Id, ct) is { } ssoRequired)
        {
            return Refused(ssoRequired);
        }
        if (passwords.NeedsRehash(user.PasswordHash!))
        {
            user.PasswordHash = passwords.Hash(password);
        }
        if (user.TotpEnabledAt is not null && code is not null)
        {
            var (second, problem) = await CheckCodeAsync(cell, db, user, code, entry.OrganizationId, http, ct);
            return second is null ? Refused(problem!) : await EnterAsync(cell, db, user, entry, "password+" + second, secondFactorGiven: true, http, ct);
        }
        return await EnterAsync(cell, db, user, entry, "password", secondFactorGiven: false, http, ct);
    }

    /// <summary>Answers a challenge (<c>sgc_…</c>) with a code from an authenticator app or a recovery code.</summary>
    public async Task<Outcome> SecondFactorAsync(Cell cell, CellDbContext db, string? presented, string? code, HttpContext http, CancellationToken ct)
    {
        var expired = Problems.Create(StatusCodes.Status401Unauthorized, ErrorCodes.ChallengeInvalid, "The sign-in has expired.", "Sign in again with your password.");
        if (!PresentedSecret.SignInChallenge.TryParse(presented, out var id, out var region, out var secret) || region != cell.Region)
        {
            return Refused(expired);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var challenge = await db.Set<SignInChallenge>().SingleOrDefaultAsync(c => c.Id == id, ct);
        if (challenge is null || !PresentedSecret.Matches(challenge.SecretHash, secret) || challenge.ExpiresAt <= now)
        {
            return Refused(expired);
        }
        var user = await db.Users.SingleAsync(u => u.Id == challenge.UserId, ct);
        var (second, problem) = await CheckCodeAsync(cell, db, user, code, challenge.OrganizationId, http, ct);
        if (second is null)
        {
            if (problem!.ProblemDetails.Status != StatusCodes.Status429TooManyRequests && ++challenge.FailedAttempts >= 5)
            {
                db.Remove(challenge); // a challenge allows a few guesses, then the first factor is needed again
            }
            await db.SaveChangesAsync(ct);
            return Refused(problem);
        }
        db.Remove(challenge);
        var entry = new Entry(challenge.OrganizationId);
        if (challenge.InvitationId is { } invitationId)
        {
            // Accepted only now, with the second factor given: the invitation must still be good.
            var invitation = await LiveInvitationAsync(db, invitationId, now, ct);
            if (invitation is null || invitation.EmailHash != user.EmailHash)
            {
                await db.SaveChangesAsync(ct);
                return Refused(InvitationInvalid());
            }
            entry = new Entry(invitation.OrganizationId, invitation);
        }
        return await EnterAsync(cell, db, user, entry, challenge.Method + "+" + second, secondFactorGiven: true, http, ct);
    }

    /// <summary>An account whose organization's identity provider vouched for it (single sign-on).</summary>
    public Task<Outcome> IdentityProviderAsync(Cell cell, CellDbContext db, User user, string organizationId, HttpContext http, CancellationToken ct) =>
        EnterAsync(cell, db, user, new Entry(organizationId), "sso", secondFactorGiven: false, http, ct);

    /// <summary>An account created in <paramref name="db"/>'s pending changes, so it has no second factor yet.</summary>
    public Task<Outcome> NewAccountAsync(Cell cell, CellDbContext db, User user, Entry entry, NewAccountProof proof, HttpContext http, CancellationToken ct)
    {
        if (db.Entry(user).State != EntityState.Added || user.TotpEnabledAt is not null)
        {
            throw new InvalidOperationException("Only an account created in this transaction signs in as a new account.");
        }
        return EnterAsync(cell, db, user, entry, proof == NewAccountProof.EmailLink ? "email-link" : "password", secondFactorGiven: false, http, ct);
    }

    /// <summary>
    /// Moves a session to another of the person's organizations: the old one ends, the new one keeps its method. A
    /// session that never gave the second factor the account now has gets a challenge, not a way around it.
    /// </summary>
    public async Task<Outcome> SwitchAsync(Cell cell, CellDbContext db, Session current, string organizationId, HttpContext http, CancellationToken ct)
    {
        if (current.Method.StartsWith("sso", StringComparison.Ordinal))
        {
            // An organization's identity provider vouches for its own organization only: never a way into another one.
            return Refused(Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SsoSessionBound, "A single sign-on session stays in its organization.",
                "Sign out and sign in to the other organization."));
        }
        if (await SsoRequiredAsync(db, organizationId, current.UserId, ct) is { } required)
        {
            return Refused(required);
        }
        current.RevokedAt = time.GetUtcNow().UtcDateTime;
        var user = await db.Users.SingleAsync(u => u.Id == current.UserId, ct);
        return await EnterAsync(cell, db, user, new Entry(organizationId), current.Method, current.Method.Contains('+', StringComparison.Ordinal), http, ct);
    }

    /// <summary>The invitation with this id, if it can still be accepted.</summary>
    public static Task<Invitation?> LiveInvitationAsync(CellDbContext db, string id, DateTime now, CancellationToken ct) =>
        db.Invitations.SingleOrDefaultAsync(i => i.Id == id && i.ExpiresAt > now && i.AcceptedAt == null && i.RevokedAt == null, ct);

    public static ProblemHttpResult InvitationInvalid() => Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.InvitationInvalid, "This invitation is not valid.",
        "It may have expired, been revoked or been used. Ask for a new one.");

    internal static ProblemHttpResult Throttled(HttpContext http, TimeSpan retryAfter) => AuthEndpoints.Throttled(http, retryAfter);

    /// <summary>The only place a session is made, and the only place a second factor is demanded.</summary>
    private async Task<Outcome> EnterAsync(Cell cell, CellDbContext db, User user, Entry entry, string method, bool secondFactorGiven, HttpContext http, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (user.TotpEnabledAt is not null && !secondFactorGiven)
        {
            var (challenge, id, hash) = PresentedSecret.SignInChallenge.Issue(cell.Region);
            db.Add(new SignInChallenge
            {
                Id = id,
                UserId = user.Id,
                OrganizationId = entry.OrganizationId,
                SecretHash = hash,
                Method = method,
                InvitationId = entry.Invitation?.Id,
                ExpiresAt = now + options.ChallengeLifetime,
            });
            return new Outcome(null, new SignInResponse(null, null, null, null, challenge, "totp"));
        }
        if (entry.Invitation is { } invitation)
        {
            await JoinAsync(cell, db, user, invitation, now, http, ct);
        }
        var (presented, sessionId, secretHash) = PresentedSecret.Session.Issue(cell.Region);
        var client = AuditActor.From(http, user.Id).Ip + " · " + Truncate(http.Request.Headers.UserAgent.ToString(), 200);
        var session = new Session
        {
            Id = sessionId,
            UserId = user.Id,
            OrganizationId = entry.OrganizationId,
            SecretHash = secretHash,
            Method = method,
            ClientToken = await cell.Keys.EncryptFieldAsync(user.Id, Session.ClientPurpose, client, sessionId, ct),
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + options.SessionAbsoluteTimeout,
        };
        db.Sessions.Add(session); // a new id and secret every time: a session id is never carried over, so fixation is impossible
        await AuditRecorder.RecordAsync(db, cell, new("session.created", entry.OrganizationId, AuditActor.From(http, user.Id), sessionId,
            new Dictionary<string, string> { ["method"] = method }), now, ct);
        await throttle.RememberAsync(cell, Throttle.AccountKeyOf(user), Throttle.SourceOf(http), ct);
        return new Outcome(null, new SignInResponse(presented, session.ExpiresAt, user.Id, entry.OrganizationId, null, null));
    }

    /// <summary>A second-factor code under the account's code throttles: the method (<c>totp</c>, <c>recovery</c>) or the problem.</summary>
    private async Task<(string? Method, ProblemHttpResult? Problem)> CheckCodeAsync(Cell cell, CellDbContext db, User user, string? code, string organizationId,
        HttpContext http, CancellationToken ct)
    {
        var rules = options.Throttling;
        var account = Throttle.AccountKeyOf(user);
        var source = Throttle.SourceOf(http);
        var perSource = throttle.Key("code", account, source);
        var perAccount = throttle.Key("code", account);
        if (await throttle.TryReserveAsync(cell, perSource, rules.CodesPerSource, ct) is { } wait)
        {
            return (null, Throttled(http, wait));
        }
        var known = await throttle.IsKnownAsync(cell, account, source, rules.KnownSourceLifetime, ct);
        if (!known && await throttle.TryReserveAsync(cell, perAccount, rules.CodesPerAccount, ct) is { } slowed)
        {
            return (null, Throttled(http, slowed));
        }
        var method = await SecondFactors.VerifyAsync(cell, user, code, time, ct);
        if (method is null)
        {
            metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", "second_factor"));
            await RecordAsync(cell, "auth.second_factor_failed", organizationId, user.Id, http, ct);
            return (null, Problems.Create(StatusCodes.Status401Unauthorized, ErrorCodes.SecondFactorFailed, "The code is not correct.",
                "Codes from an authenticator app are accepted once, within about 30 seconds."));
        }
        await throttle.ForgetAsync(cell, perSource, ct);
        if (!known)
        {
            await throttle.GiveBackAsync(cell, perAccount, rules.CodesPerAccount, ct);
        }
        return (method, null);
    }

    /// <summary>Accepts the invitation: the membership (unless the person already has one there) and its audit event.</summary>
    private static async Task JoinAsync(Cell cell, CellDbContext db, User user, Invitation invitation, DateTime now, HttpContext http, CancellationToken ct)
    {
        if (!await db.Memberships.AnyAsync(m => m.OrganizationId == invitation.OrganizationId && m.UserId == user.Id, ct)
            && !db.Memberships.Local.Any(m => m.OrganizationId == invitation.OrganizationId && m.UserId == user.Id))
        {
            var email = (await cell.Keys.DecryptFieldAsync(invitation.OrganizationId, Invitation.EmailPurpose, invitation.EmailToken, invitation.Id, ct))!;
            var name = (await cell.Keys.DecryptFieldAsync(user.Id, User.NamePurpose, user.NameToken, user.Id, ct))!;
            db.Memberships.Add(await Accounts.NewMembershipAsync(cell, invitation.OrganizationId, user.Id, email, name, invitation.Role, now, ct));
        }
        invitation.AcceptedAt = now;
        await AuditRecorder.RecordAsync(db, cell, new("member.added", invitation.OrganizationId, AuditActor.From(http, user.Id), user.Id,
            new Dictionary<string, string> { ["role"] = invitation.Role, ["invitation"] = invitation.Id }), now, ct);
    }

    /// <summary>
    /// A 403 <c>sso_required</c> when the organization's single sign-on connection turned password sign-in off and the
    /// person is not an owner (owners keep their password, so a broken identity provider cannot lock everyone out).
    /// Checked only after a correct password, so it tells nothing to someone guessing.
    /// </summary>
    private static async Task<ProblemHttpResult?> SsoRequiredAsync(CellDbContext db, string organizationId, string userId, CancellationToken ct)
    {
        var passwordAllowed = await db.Set<Features.SingleSignOn.IdentityProviderConnection>().Where(c => c.OrganizationId == organizationId)
            .Select(c => (bool?)c.PasswordSignInAllowed).SingleOrDefaultAsync(ct);
        if (passwordAllowed != false || await db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && m.UserId == userId && m.Role == Roles.Owner, ct))
        {
            return null;
        }
        return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SsoRequired, "This organization signs in with single sign-on.",
            "Choose \u201cSign in with single sign-on\u201d and give your work e-mail address.");
    }

    /// <summary>An audit event of a refused attempt, in its own transaction (the request's own changes are not kept).</summary>
    private async Task RecordAsync(Cell cell, string action, string? organizationId, string? userId, HttpContext http, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        await AuditRecorder.RecordAsync(db, cell, new(action, organizationId, AuditActor.From(http, userId ?? "unknown"), userId), time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
    }

    private static Outcome Refused(ProblemHttpResult problem) => new(problem, null);

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
