using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Audit;


namespace Sigill.Api.Features.Accounts;

/// <summary>
/// Signing in and accepting invitations (signing up: <see cref="SignUpEndpoints"/>). These endpoints are anonymous and
/// name their region in the path (<c>/api/v1/regions/{region}/auth/…</c>), so the web tier routes them without a global
/// database. Every one of them reaches a session only through <see cref="SignIns"/>. Every failure of a sign-in answers
/// the same 401, whether the account exists or not; throttled attempts answer 429 with Retry-After (ADR 0011).
/// </summary>
public static class AuthEndpoints
{
    public sealed record LocateRequest(string? EmailHash);
    public sealed record LocateResponse(bool Known);
    /// <summary><c>code</c>: optionally the second factor sent along with the password (needed past an account's ceiling, ADR 0011).</summary>
    public sealed record SignInRequest(string? Email, string? Password, string? Code = null);
    public sealed record SecondFactorRequest(string? Challenge, string? Code);
    public sealed record AcceptInvitationRequest(string? Invitation, string? Password, string? Name);

    public static RouteGroupBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/regions/{region}").WithTags("Sign-in").AllowAnonymous().RequireServedRegion();
        group.MapPost("/auth/locate", Locate);
        group.MapPost("/auth/sign-in", SignIn);
        group.MapPost("/auth/second-factor", SecondFactor);
        group.MapPost("/invitations/accept", AcceptInvitation);
        return group;
    }

    internal static ProblemHttpResult SignInFailed() => Problems.Create(StatusCodes.Status401Unauthorized, ErrorCodes.SignInFailed,
        "The e-mail address or the password is not correct.");

    internal static ProblemHttpResult Throttled(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, ErrorCodes.TooManyAttempts, "Too many attempts.",
            $"Try again in {seconds} seconds.");
    }

    // For the web tier: which region holds the account with this directory hash. Only the hash travels.
    private static async Task<Results<Ok<LocateResponse>, ProblemHttpResult>> Locate(LocateRequest request, RequestCell here, CellDbContext db, CancellationToken ct)
    {
        var cell = here.Cell;
        if (request.EmailHash is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigitLower))
        {
            return Problems.Validation("emailHash must be 64 lower-case hex characters.");
        }
        return TypedResults.Ok(new LocateResponse(await db.Users.AnyAsync(u => u.EmailHash == hash, ct)));
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
        SignInRequest request, RequestCell here, CellDbContext db, Accounts accounts, SignIns signIns, HttpContext http, CancellationToken ct)
    {
        var cell = here.Cell;
        if (request.Email is not { Length: > 0 and <= 254 } email || request.Password is not { Length: > 0 and <= PasswordHasher.MaximumLength } password
            || request.Code is { Length: > 64 })
        {
            return Problems.Validation("email and password are required (and code, when given, is at most 64 characters).");
        }
        var (reservation, throttled) = await signIns.ReserveAsync(cell, "sign-in", accounts.Options.Throttling.SignInsPerSource, http, ct);
        if (reservation is null)
        {
            return throttled!;
        }
        var outcome = await signIns.PasswordAsync(cell, db, accounts.Directory.EmailHash(email), password, string.IsNullOrWhiteSpace(request.Code) ? null : request.Code,
            async user => await Accounts.DefaultOrganizationAsync(db, user.Id, ct) is { } organizationId ? new SignIns.Entry(organizationId) : null, http, ct);
        if (outcome.Problem is { } problem)
        {
            if (problem.StatusCode == StatusCodes.Status429TooManyRequests)
            {
                await signIns.GiveBackAsync(cell, reservation, ct); // refused unchecked: it tried nothing, so it counts nothing here
            }
            return problem;
        }
        await db.SaveChangesAsync(ct);
        await signIns.GiveBackAsync(cell, reservation, ct); // only failures count against the address
        return TypedResults.Ok(outcome.Response);
    }

    private static async Task<Results<Ok<SignInResponse>, ProblemHttpResult>> SecondFactor(
        SecondFactorRequest request, RequestCell here, CellDbContext db, SignIns signIns, HttpContext http, CancellationToken ct)
    {
        var cell = here.Cell;
        var outcome = await signIns.SecondFactorAsync(cell, db, request.Challenge, request.Code, http, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(outcome.Response);
    }

    /// <summary>
    /// Accepts an invitation: a new account (name and password) is created and signed in; an existing account gives its
    /// password, under the same throttles as a sign-in, and with a second factor gets the same challenge as a sign-in —
    /// it joins the organization only once the code is given.
    /// </summary>
    private static async Task<Results<Ok<SignInResponse>, ProblemHttpResult>> AcceptInvitation(
        string region, AcceptInvitationRequest request, RequestCell here, CellDbContext db, Accounts accounts, SignIns signIns, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        var cell = here.Cell;
        if (!PresentedSecret.Invitation.TryParse(request.Invitation, out var id, out var invitationRegion, out var secret) || invitationRegion != region)
        {
            return SignIns.InvitationInvalid();
        }
        var (reservation, throttled) = await signIns.ReserveAsync(cell, "invitation", accounts.Options.Throttling.InvitationsPerSource, http, ct);
        if (reservation is null)
        {
            return throttled!;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var invitation = await SignIns.LiveInvitationAsync(db, id, now, ct);
        if (invitation is null || !PresentedSecret.Matches(invitation.SecretHash, secret))
        {
            return SignIns.InvitationInvalid();
        }
        var entry = new SignIns.Entry(invitation.OrganizationId, invitation);
        SignIns.Outcome outcome;
        if (!await db.Users.AnyAsync(u => u.EmailHash == invitation.EmailHash, ct))
        {
            var email = (await cell.Keys.DecryptFieldAsync(invitation.OrganizationId, Invitation.EmailPurpose, invitation.EmailToken, invitation.Id, ct))!;
            if (ValidateNewAccount(email, request.Password, request.Name) is { } problem)
            {
                return Problems.Validation(problem);
            }
            var user = await accounts.NewUserAsync(cell, email, request.Name!.Trim(), request.Password, ct);
            db.Users.Add(user);
            await AuditRecorder.RecordAsync(db, cell, new("user.created", invitation.OrganizationId, AuditActor.From(http, user.Id), user.Id), now, ct);
            outcome = await signIns.NewAccountAsync(cell, db, user, entry, SignIns.NewAccountProof.InvitationPassword, http, ct);
        }
        else
        {
            if (request.Password is not { Length: > 0 and <= PasswordHasher.MaximumLength } password)
            {
                return Problems.Validation("password is required.");
            }
            outcome = await signIns.PasswordAsync(cell, db, invitation.EmailHash, password, null, _ => Task.FromResult<SignIns.Entry?>(entry), http, ct);
        }
        if (outcome.Problem is { } refused)
        {
            if (refused.StatusCode == StatusCodes.Status429TooManyRequests)
            {
                await signIns.GiveBackAsync(cell, reservation, ct);
            }
            return refused;
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (UniqueKey.IsViolation(e))
        {
            // The address got its account at this very moment (the invitation accepted twice at once, or a sign-up link):
            // the e-mail hash is unique, and nothing of this request was stored. Accepting again signs in to that account.
            return Problems.Conflict(ErrorCodes.Conflict, "The account was created by another request at the same moment; accept the invitation again.");
        }
        await signIns.GiveBackAsync(cell, reservation, ct);
        return TypedResults.Ok(outcome.Response);
    }
}
