using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Audit;
using Sigill.Api.Cells;
using Sigill.Api.Errors;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Persistence;
using Sigill.Api.Security;

namespace Sigill.Api.Identity;

/// <summary>
/// Signing up and signing in. These endpoints are anonymous and name their region in the path
/// (<c>/api/v1/regions/{region}/auth/…</c>), so the web tier routes them without a global database. Every failure
/// of a sign-in answers the same 401, whether the account exists or not; too many failures per account or per
/// address answer 429 with Retry-After. A successful sign-in always starts a new session.
/// </summary>
public static class AuthEndpoints
{
    public sealed record LocateRequest(string? EmailHash);
    public sealed record LocateResponse(bool Known);
    public sealed record SignUpRequest(string? Email, string? Password, string? Name, string? OrganizationName);
    public sealed record SignInRequest(string? Email, string? Password);
    public sealed record SecondFactorRequest(string? Challenge, string? Code);
    public sealed record AcceptInvitationRequest(string? Invitation, string? Password, string? Name);
    /// <summary>Either a session, or a challenge to answer with a second factor.</summary>
    public sealed record SignInResponse(string? Session, DateTime? ExpiresAt, string? UserId, string? OrganizationId, string? Challenge, string? SecondFactor);

    public static RouteGroupBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/regions/{region}").WithTags("Sign-in").AllowAnonymous();
        group.MapPost("/auth/locate", Locate);
        group.MapPost("/auth/sign-up", SignUp);
        group.MapPost("/auth/sign-in", SignIn);
        group.MapPost("/auth/second-factor", SecondFactor);
        group.MapPost("/invitations/accept", AcceptInvitation);
        return group;
    }

    private static ProblemHttpResult SignInFailed() => Problems.Create(StatusCodes.Status401Unauthorized, "sign_in_failed",
        "The e-mail address or the password is not correct.");

    internal static ProblemHttpResult NotServed(string region) => Problems.Create(StatusCodes.Status404NotFound, "region_not_served",
        "This deployment does not serve that region.", $"Region '{region}' is not served here.");

    internal static ProblemHttpResult Throttled(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, "too_many_attempts", "Too many attempts.",
            $"Try again in {seconds} seconds.");
    }

    /// <summary>
    /// A 403 <c>sso_required</c> when the organization's single sign-on connection turned password sign-in off and the
    /// person is not an owner (owners keep their password, so a broken identity provider cannot lock everyone out).
    /// Checked only after a correct password, so it tells nothing to someone guessing.
    /// </summary>
    internal static async Task<ProblemHttpResult?> SsoRequiredAsync(CellDbContext db, string organizationId, string userId, CancellationToken ct)
    {
        var passwordAllowed = await db.Set<Sso.IdentityProviderConnection>().Where(c => c.OrganizationId == organizationId)
            .Select(c => (bool?)c.PasswordSignInAllowed).SingleOrDefaultAsync(ct);
        if (passwordAllowed != false || await db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && m.UserId == userId && m.Role == Roles.Owner, ct))
        {
            return null;
        }
        return Problems.Create(StatusCodes.Status403Forbidden, "sso_required", "This organization signs in with single sign-on.",
            "Choose \u201cSign in with single sign-on\u201d and give your work e-mail address.");
    }

    // For the web tier: which region holds the account with this directory hash. Only the hash travels.
    private static async Task<Results<Ok<LocateResponse>, ProblemHttpResult>> Locate(string region, LocateRequest request, CellRegistry cells, CancellationToken ct)
    {
        if (!cells.TryGet(region, out var cell))
        {
            return NotServed(region);
        }
        if (request.EmailHash is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigitLower))
        {
            return Problems.Validation("emailHash must be 64 lower-case hex characters.");
        }
        await using var db = cell.CreateDbContext();
        return TypedResults.Ok(new LocateResponse(await db.Users.AnyAsync(u => u.EmailHash == hash, ct)));
    }

    private static async Task<Results<Created<SignInResponse>, ProblemHttpResult>> SignUp(
        string region, SignUpRequest request, CellRegistry cells, Accounts accounts, Throttle throttle, TimeProvider time,
        Telemetry.SigillMetrics metrics, HttpContext http, CancellationToken ct)
    {
        if (!cells.TryGet(region, out var cell))
        {
            return NotServed(region);
        }
        if (!accounts.Options.OpenSignUp)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "sign_up_closed", "Sign-up is closed on this installation.", "Ask an organization admin for an invitation.");
        }
        var problem = ValidateNewAccount(request.Email, request.Password, request.Name)
            ?? (request.OrganizationName?.Trim() is { Length: > 0 and <= 200 } ? null : "organizationName is required (1-200 characters).");
        if (problem is not null)
        {
            return Problems.Validation(problem);
        }
        await using var db = cell.CreateDbContext();
        var addressKey = accounts.AddressThrottleKey(http);
        if (await throttle.BlockedAsync(db, addressKey, ct) is { } blocked)
        {
            return Throttled(http, blocked);
        }
        await throttle.FailAsync(db, addressKey, accounts.Options.SignUps, ct); // every sign-up counts against the address
        var email = request.Email!.Trim();
        if (await db.Users.AnyAsync(u => u.EmailHash == accounts.Directory.EmailHash(email), ct))
        {
            return Problems.Conflict("email_taken", "An account with this e-mail address exists. Sign in instead, or reset the password.");
        }
        var name = request.Name!.Trim();
        var user = await accounts.NewUserAsync(cell, email, name, request.Password, ct);
        string? session = null;
        Session? row = null;
        var (organization, _, _) = await OrganizationFactory.CreateCoreAsync(cell, request.OrganizationName!.Trim(), null, time,
            AuditActor.From(http, user.Id), new OrganizationOwner(user, true, email, name),
            async (tx, org) => (row, session) = await accounts.NewSessionAsync(tx, cell, user.Id, org.Id, "password", http, ct), ct);
        metrics.OrganizationsCreated.Add(1, new KeyValuePair<string, object?>("region", cell.Region));
        return TypedResults.Created("/api/v1/account", new SignInResponse(session, row!.ExpiresAt, user.Id, organization.Id, null, null));
    }

    internal static string? ValidateNewAccount(string? email, string? password, string? name)
    {
        if (!Directory.IsPlausibleEmail(email))
        {
            return "email must be an e-mail address.";
        }
        if (name?.Trim() is not { Length: > 0 and <= 200 })
        {
            return "name is required (1-200 characters).";
        }
        return Accounts.PasswordProblem(password);
    }

    private static async Task<Results<Ok<SignInResponse>, ProblemHttpResult>> SignIn(
        string region, SignInRequest request, CellRegistry cells, Accounts accounts, Throttle throttle, TimeProvider time,
        Telemetry.SigillMetrics metrics, HttpContext http, CancellationToken ct)
    {
        if (!cells.TryGet(region, out var cell))
        {
            return NotServed(region);
        }
        if (request.Email is not { Length: > 0 and <= 254 } email || request.Password is not { Length: > 0 and <= PasswordHasher.MaximumLength } password)
        {
            return Problems.Validation("email and password are required.");
        }
        await using var db = cell.CreateDbContext();
        var accountKey = accounts.AccountThrottleKey(email);
        var addressKey = accounts.AddressThrottleKey(http);
        var blocked = await throttle.BlockedAsync(db, addressKey, ct) ?? await throttle.BlockedAsync(db, accountKey, ct);
        if (blocked is { } wait)
        {
            metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", "throttled"));
            return Throttled(http, wait);
        }
        var hash = accounts.Directory.EmailHash(email);
        var user = await db.Users.SingleOrDefaultAsync(u => u.EmailHash == hash, ct);
        var organizationId = user is null ? null : await Accounts.DefaultOrganizationAsync(db, user.Id, ct);
        bool ok;
        if (user?.PasswordHash is null)
        {
            accounts.Passwords.Burn(password); // same work for an unknown account: timing tells nothing
            ok = false;
        }
        else
        {
            ok = accounts.Passwords.Verify(password, user.PasswordHash) && organizationId is not null;
        }
        if (!ok)
        {
            metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", "credentials"));
            var now = time.GetUtcNow().UtcDateTime;
            await AuditRecorder.RecordAsync(db, cell, new("auth.sign_in_failed", organizationId, AuditActor.From(http, user?.Id ?? "unknown"), user?.Id), now, ct);
            await db.SaveChangesAsync(ct);
            var block = await throttle.FailAsync(db, accountKey, accounts.Options.AccountFailures, ct);
            block = await throttle.FailAsync(db, addressKey, accounts.Options.AddressFailures, ct) ?? block;
            return block is { } b ? Throttled(http, b) : SignInFailed();
        }
        await throttle.ResetAsync(db, accountKey, ct);
        if (await SsoRequiredAsync(db, organizationId!, user!.Id, ct) is { } ssoRequired)
        {
            return ssoRequired;
        }
        if (accounts.Passwords.NeedsRehash(user!.PasswordHash!))
        {
            user.PasswordHash = accounts.Passwords.Hash(password);
        }
        if (user.TotpEnabledAt is not null)
        {
            var (presented, id, secretHash) = PresentedSecret.SignInChallenge.Issue(cell.Region);
            db.Add(new SignInChallenge
            {
                Id = id,
                UserId = user.Id,
                OrganizationId = organizationId!,
                SecretHash = secretHash,
                ExpiresAt = time.GetUtcNow().UtcDateTime + accounts.Options.ChallengeLifetime,
            });
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(new SignInResponse(null, null, null, null, presented, "totp"));
        }
        var (session, token) = await accounts.NewSessionAsync(db, cell, user.Id, organizationId!, "password", http, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new SignInResponse(token, session.ExpiresAt, user.Id, organizationId, null, null));
    }

    private static async Task<Results<Ok<SignInResponse>, ProblemHttpResult>> SecondFactor(
        string region, SecondFactorRequest request, CellRegistry cells, Accounts accounts, Throttle throttle, TimeProvider time,
        Telemetry.SigillMetrics metrics, HttpContext http, CancellationToken ct)
    {
        if (!cells.TryGet(region, out var cell))
        {
            return NotServed(region);
        }
        var expired = Problems.Create(StatusCodes.Status401Unauthorized, "challenge_invalid", "The sign-in has expired.", "Sign in again with your password.");
        if (!PresentedSecret.SignInChallenge.TryParse(request.Challenge, out var id, out var challengeRegion, out var secret) || challengeRegion != region)
        {
            return expired;
        }
        await using var db = cell.CreateDbContext();
        var now = time.GetUtcNow().UtcDateTime;
        var challenge = await db.Set<SignInChallenge>().SingleOrDefaultAsync(c => c.Id == id, ct);
        if (challenge is null || !PresentedSecret.Matches(challenge.SecretHash, secret) || challenge.ExpiresAt <= now)
        {
            return expired;
        }
        var codeKey = Accounts.CodeThrottleKey(challenge.UserId);
        if (await throttle.BlockedAsync(db, codeKey, ct) is { } blocked)
        {
            return Throttled(http, blocked);
        }
        var user = await db.Users.SingleAsync(u => u.Id == challenge.UserId, ct);
        var method = await SecondFactors.VerifyAsync(cell, user, request.Code, time, ct);
        if (method is null)
        {
            metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", "second_factor"));
            await AuditRecorder.RecordAsync(db, cell, new("auth.second_factor_failed", challenge.OrganizationId, AuditActor.From(http, user.Id), user.Id), now, ct);
            challenge.FailedAttempts++;
            if (challenge.FailedAttempts >= 5)
            {
                db.Remove(challenge); // a challenge allows a few guesses, then the password is needed again
            }
            await db.SaveChangesAsync(ct);
            var block = await throttle.FailAsync(db, codeKey, accounts.Options.CodeFailures, ct);
            return block is { } b ? Throttled(http, b) : Problems.Create(StatusCodes.Status401Unauthorized, "second_factor_failed",
                "The code is not correct.", "Codes from an authenticator app are accepted once, within about 30 seconds.");
        }
        db.Remove(challenge);
        await throttle.ResetAsync(db, codeKey, ct);
        var (session, token) = await accounts.NewSessionAsync(db, cell, user.Id, challenge.OrganizationId, "password+" + method, http, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new SignInResponse(token, session.ExpiresAt, user.Id, challenge.OrganizationId, null, null));
    }

    private static async Task<Results<Ok<SignInResponse>, ProblemHttpResult>> AcceptInvitation(
        string region, AcceptInvitationRequest request, CellRegistry cells, Accounts accounts, Throttle throttle, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        if (!cells.TryGet(region, out var cell))
        {
            return NotServed(region);
        }
        var invalid = Problems.Create(StatusCodes.Status404NotFound, "invitation_invalid", "This invitation is not valid.",
            "It may have expired, been revoked or been used. Ask for a new one.");
        if (!PresentedSecret.Invitation.TryParse(request.Invitation, out var id, out var invitationRegion, out var secret) || invitationRegion != region)
        {
            return invalid;
        }
        await using var db = cell.CreateDbContext();
        var addressKey = accounts.AddressThrottleKey(http);
        if (await throttle.BlockedAsync(db, addressKey, ct) is { } blocked)
        {
            return Throttled(http, blocked);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var invitation = await db.Invitations.SingleOrDefaultAsync(i => i.Id == id, ct);
        if (invitation is null || !PresentedSecret.Matches(invitation.SecretHash, secret) || invitation.ExpiresAt <= now
            || invitation.AcceptedAt is not null || invitation.RevokedAt is not null)
        {
            await throttle.FailAsync(db, addressKey, accounts.Options.SignUps, ct);
            return invalid;
        }
        var email = (await cell.Keys.DecryptFieldAsync(invitation.OrganizationId, Invitation.EmailPurpose, invitation.EmailToken, invitation.Id, ct))!;
        var user = await db.Users.SingleOrDefaultAsync(u => u.EmailHash == invitation.EmailHash, ct);
        string name;
        if (user is null)
        {
            var problem = ValidateNewAccount(email, request.Password, request.Name);
            if (problem is not null)
            {
                return Problems.Validation(problem);
            }
            name = request.Name!.Trim();
            user = await accounts.NewUserAsync(cell, email, name, request.Password, ct);
            db.Users.Add(user);
            await AuditRecorder.RecordAsync(db, cell, new("user.created", invitation.OrganizationId, AuditActor.From(http, user.Id), user.Id), now, ct);
        }
        else
        {
            // An existing account joins by proving it is theirs.
            if (user.PasswordHash is null || request.Password is null || !accounts.Passwords.Verify(request.Password, user.PasswordHash))
            {
                await throttle.FailAsync(db, addressKey, accounts.Options.AddressFailures, ct);
                return SignInFailed();
            }
            name = (await cell.Keys.DecryptFieldAsync(user.Id, User.NamePurpose, user.NameToken, user.Id, ct))!;
        }
        if (!await db.Memberships.AnyAsync(m => m.OrganizationId == invitation.OrganizationId && m.UserId == user.Id, ct))
        {
            db.Memberships.Add(await Accounts.NewMembershipAsync(cell, invitation.OrganizationId, user.Id, email, name, invitation.Role, now, ct));
        }
        invitation.AcceptedAt = now;
        await AuditRecorder.RecordAsync(db, cell, new("member.added", invitation.OrganizationId, AuditActor.From(http, user.Id), user.Id,
            new Dictionary<string, string> { ["role"] = invitation.Role, ["invitation"] = invitation.Id }), now, ct);
        var (session, token) = await accounts.NewSessionAsync(db, cell, user.Id, invitation.OrganizationId, "password", http, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new SignInResponse(token, session.ExpiresAt, user.Id, invitation.OrganizationId, null, null));
    }
}
