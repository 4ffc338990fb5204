using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Security;


using Directory = Sigill.Api.Features.Accounts.Directory;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Members;

namespace Sigill.Api.Features.SingleSignOn;

/// <summary>
/// Signing in through the organization's OpenID Connect provider (authorization code flow with PKCE S256, state and
/// nonce). <c>start</c> finds the connection (by organization id, or by the directory hash of a work e-mail's domain),
/// records the attempt and answers the provider's authorization URL; <c>callback</c> takes the <c>state</c> and
/// <c>code</c> the provider sent back to the web tier, uses the attempt once, exchanges the code, validates the ID
/// token (<see cref="IdTokenValidator"/>) and signs the person in through <see cref="SignIns"/> (<c>Session.Method = "sso"</c>;
/// an account with a second factor gets the same challenge as after a password).
/// Who gets in (ADR 0007): a verified e-mail in one of the connection's allowed domains; an existing member of the
/// organization signs in as themself; an address with no account in the cell becomes a new account without a
/// password and a <c>member</c> of the organization (just in time); an existing account that is not a member is
/// refused, so an organization's provider can never take over an account that is not already in the organization.
/// Every refusal is a problem with its own code and stores nothing (the used attempt is deleted).
/// </summary>
public static partial class SsoSignInEndpoints
{
    public sealed record StartRequest(string? OrganizationId, string? DomainHash);
    /// <summary><c>iss</c>: the authorization response's issuer parameter (RFC 9207), when the provider sent one.</summary>
    public sealed record CallbackRequest(string? State, string? Code, string? Iss = null);

    public static void MapSsoSignIn(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/regions/{region}/auth/sso").WithTags("Single sign-on").AllowAnonymous().RequireServedRegion();
        group.MapPost("/start", Start);
        group.MapPost("/callback", Callback);
    }

    private sealed record Refusals(Platform.Telemetry.SigillMetrics Metrics, ILogger Logger)
    {
        public string Connection { get; set; } = "-";

        /// <summary>Counts and logs a refused callback (identifiers and the code only, never the e-mail or the token) and answers the problem.</summary>
        public ProblemHttpResult Fail(int status, string code, string title, string? detail = null)
        {
            Metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", "sso"));
            LogRefused(Logger, Connection, code);
            return Problems.Create(status, code, title, detail);
        }
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "Single sign-on refused (connection {ConnectionId}): {Code}")]
    private static partial void LogRefused(ILogger logger, string connectionId, string code);

    /// <summary>What a single sign-on (its start and its callback) needs besides the request.</summary>
    internal sealed record SsoServices(RequestCell Here, CellDbContext Db, Features.Accounts.Accounts Accounts, SignIns SignIns, OidcClient Oidc, MailOptions Mail, TimeProvider Time, Platform.Telemetry.SigillMetrics Metrics, ILoggerFactory Loggers);

    private static async Task<Results<Ok<SsoStart>, ProblemHttpResult>> Start(string region, StartRequest request, HttpContext http, [AsParameters] SsoServices services, CancellationToken ct)
    {
        var (here, db, accounts, signIns, oidc, mail, time, _, _) = services;
        var cell = here.Cell;
        var byOrganization = request.OrganizationId is not null;
        if (byOrganization == (request.DomainHash is not null)
            || (byOrganization && (!SigillId.TryParse(request.OrganizationId, "org", out var orgRegion) || orgRegion != region))
            || (!byOrganization && (request.DomainHash is not { Length: 64 } h || !h.All(char.IsAsciiHexDigitLower))))
        {
            return Problems.Validation("Give either organizationId (an organization of this region) or domainHash (64 lower-case hex characters).");
        }
        if ((await signIns.ReserveAsync(cell, "sso-start", accounts.Options.Throttling.SsoStartsPerSource, http, ct)).Problem is { } throttled)
        {
            return throttled; // every start counts: each one stores an attempt
        }
        var connection = byOrganization
            ? await db.Set<IdentityProviderConnection>().SingleOrDefaultAsync(c => c.OrganizationId == request.OrganizationId, ct)
            : await db.Set<IdentityProviderDomain>().Where(d => d.DomainHash == request.DomainHash)
                .Join(db.Set<IdentityProviderConnection>(), d => d.ConnectionId, c => c.Id, (_, c) => c).SingleOrDefaultAsync(ct);
        if (connection is null)
        {
            return SsoEndpoints.NotConfigured();
        }
        var settings = await SsoEndpoints.SettingsAsync(cell, connection, ct);
        OidcClient.Discovery discovery;
        try
        {
            discovery = await oidc.DiscoverAsync(settings.Issuer, ct);
        }
        catch (IdentityProviderException e)
        {
            return Problems.Create(StatusCodes.Status502BadGateway, ErrorCodes.SsoProviderError, "The identity provider could not be reached.", e.Message);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var (state, id, secretHash) = PresentedSecret.SsoState.Issue(region);
        var nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)); // RFC 7636: 43 characters
        var challenge = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        await db.Set<SsoSignInAttempt>().Where(a => a.ExpiresAt < now).ExecuteDeleteAsync(ct); // abandoned attempts
        db.Add(new SsoSignInAttempt
        {
            Id = id,
            OrganizationId = connection.OrganizationId,
            ConnectionId = connection.Id,
            SecretHash = secretHash,
            NonceHash = SHA256.HashData(Encoding.UTF8.GetBytes(nonce)),
            VerifierToken = (await cell.Keys.EncryptFieldAsync(connection.OrganizationId, SsoSignInAttempt.VerifierPurpose, verifier, id, ct))!,
            CreatedAt = now,
            ExpiresAt = now + accounts.Options.SsoAttemptLifetime,
        });
        await db.SaveChangesAsync(ct);
        var query = string.Join('&', new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = settings.ClientId,
            ["redirect_uri"] = SsoEndpoints.RedirectUri(mail),
            ["scope"] = "openid email profile",
            ["state"] = state,
            ["nonce"] = nonce,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        }.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        var endpoint = discovery.AuthorizationEndpoint.AbsoluteUri;
        var url = endpoint + (endpoint.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
        return TypedResults.Ok(new SsoStart(url, state, connection.OrganizationId));
    }

    private static async Task<Results<Ok<SignInResponse>, ProblemHttpResult>> Callback(string region, CallbackRequest request, HttpContext http, [AsParameters] SsoServices services, CancellationToken ct)
    {
        var (here, db, accounts, signIns, oidc, mail, time, metrics, loggers) = services;
        var refusals = new Refusals(metrics, loggers.CreateLogger("Sigill.Api.Features.SingleSignOn"));
        var cell = here.Cell;
        ProblemHttpResult InvalidState() => refusals.Fail(StatusCodes.Status400BadRequest, ErrorCodes.SsoStateInvalid, "This single sign-on attempt is not valid.",
            "It may have expired or been used already. Start the sign-in again.");
        if (!PresentedSecret.SsoState.TryParse(request.State, out var id, out var stateRegion, out var secret) || stateRegion != region)
        {
            return InvalidState();
        }
        if (request.Code is not { Length: > 0 and <= 2048 } code)
        {
            return Problems.Validation("code is required (at most 2048 characters).");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var attempt = await db.Set<SsoSignInAttempt>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
        if (attempt is null || !PresentedSecret.Matches(attempt.SecretHash, secret))
        {
            return InvalidState();
        }
        // Used once: whoever deletes the row owns the attempt, so a replayed or concurrent callback finds nothing.
        if (await db.Set<SsoSignInAttempt>().Where(a => a.Id == id).ExecuteDeleteAsync(ct) != 1 || attempt.ExpiresAt <= now)
        {
            return InvalidState();
        }
        var connection = await db.Set<IdentityProviderConnection>().AsNoTracking()
            .SingleOrDefaultAsync(c => c.Id == attempt.ConnectionId && c.OrganizationId == attempt.OrganizationId, ct);
        if (connection?.SecretToken is null)
        {
            return SsoEndpoints.NotConfigured();
        }
        refusals.Connection = connection.Id;
        var settings = await SsoEndpoints.SettingsAsync(cell, connection, ct);
        if (request.Iss is not null && request.Iss != settings.Issuer)
        {
            // RFC 9207: the answer came from another provider than this attempt's (a mix-up attack); never send it our secret.
            return refusals.Fail(StatusCodes.Status401Unauthorized, ErrorCodes.SsoIdTokenInvalid, "The identity provider's answer is not valid.",
                "The authorization response names another issuer than this organization's provider.");
        }
        var clientSecret = (await cell.Keys.DecryptFieldAsync(connection.OrganizationId, IdentityProviderConnection.SecretPurpose, connection.SecretToken, connection.Id, ct))!;
        var verifier = (await cell.Keys.DecryptFieldAsync(attempt.OrganizationId, SsoSignInAttempt.VerifierPurpose, attempt.VerifierToken, attempt.Id, ct))!;
        IdTokenClaims claims;
        try
        {
            var discovery = await oidc.DiscoverAsync(settings.Issuer, ct);
            var idToken = await oidc.ExchangeCodeAsync(discovery, settings.ClientId, clientSecret, code, SsoEndpoints.RedirectUri(mail), verifier, ct);
            IdTokenClaims Judge(JsonElement keys) => IdTokenValidator.Validate(idToken, keys, settings.Issuer, settings.ClientId, attempt.NonceHash, time.GetUtcNow());
            try
            {
                claims = Judge(await oidc.KeysAsync(discovery, ct));
            }
            catch (IdTokenInvalidException)
            {
                // The cached key set may predate a key rotation at the provider: judge the token once more with its current keys.
                claims = Judge(await oidc.KeysAsync(discovery, ct, fresh: true));
            }
        }
        catch (IdentityProviderException e)
        {
            return e.Code == ErrorCodes.SsoCodeRejected
                ? refusals.Fail(StatusCodes.Status401Unauthorized, e.Code, "The identity provider refused the sign-in.", e.Message)
                : refusals.Fail(StatusCodes.Status502BadGateway, ErrorCodes.SsoProviderError, "The identity provider could not be reached.", e.Message);
        }
        catch (IdTokenInvalidException e)
        {
            return refusals.Fail(StatusCodes.Status401Unauthorized, ErrorCodes.SsoIdTokenInvalid, "The identity provider's answer is not valid.", e.Message + ".");
        }
        if (!claims.EmailVerified || !Directory.IsPlausibleEmail(claims.Email))
        {
            return refusals.Fail(StatusCodes.Status403Forbidden, ErrorCodes.SsoEmailUnverified, "Your identity provider did not confirm your e-mail address.",
                "Sigill signs people in by a verified e-mail address; ask your administrator.");
        }
        var email = claims.Email!.Trim();
        var domain = email[(email.LastIndexOf('@') + 1)..].TrimEnd('.').ToLowerInvariant();
        if (!settings.AllowedDomains.Contains(domain, StringComparer.Ordinal))
        {
            return refusals.Fail(StatusCodes.Status403Forbidden, ErrorCodes.SsoDomainNotAllowed, "Your e-mail domain may not sign in to this organization.",
                "The organization's single sign-on accepts only its own e-mail domains.");
        }
        var emailHash = accounts.Directory.EmailHash(email);
        var user = await db.Users.SingleOrDefaultAsync(u => u.EmailHash == emailHash, ct);
        ProblemHttpResult NotAMember() => refusals.Fail(StatusCodes.Status409Conflict, ErrorCodes.SsoAccountExists,
            "An account with this e-mail address exists but is not a member of this organization.",
            "Ask an organization admin for an invitation and accept it; then single sign-on works for it.");
        if (user is not null && !await db.Memberships.AnyAsync(m => m.OrganizationId == connection.OrganizationId && m.UserId == user.Id, ct))
        {
            return NotAMember();
        }
        bool created = user is null;
        if (user is null)
        {
            var name = claims.Name?.Trim() is { Length: > 0 and <= 200 } n ? n : email[..email.IndexOf('@', StringComparison.Ordinal)];
            user = await accounts.NewUserAsync(cell, email, name, null, ct); // no password: this account signs in through its provider
            db.Users.Add(user);
            db.Memberships.Add(await Features.Accounts.Accounts.NewMembershipAsync(cell, connection.OrganizationId, user.Id, email, name, Roles.Member, now, ct));
            await AuditRecorder.RecordAsync(db, cell, new("user.created", connection.OrganizationId, AuditActor.From(http, user.Id), user.Id,
                new Dictionary<string, string> { ["method"] = "sso" }), now, ct);
            await AuditRecorder.RecordAsync(db, cell, new("member.added", connection.OrganizationId, AuditActor.From(http, user.Id), user.Id,
                new Dictionary<string, string> { ["role"] = Roles.Member, ["method"] = "sso", ["connection"] = connection.Id }), now, ct);
        }
        // Through SignIns like every sign-in: an account with a second factor gets its challenge, whoever vouched for it.
        var outcome = await signIns.IdentityProviderAsync(cell, db, user, connection.OrganizationId, http, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (created && UniqueKey.IsViolation(e))
        {
            // The same person's other first sign-in (another tab) created the account a moment earlier and the e-mail
            // hash is unique: nothing of this attempt was stored. Sign in to the account the other one made.
            db.ChangeTracker.Clear(); // what this attempt added is not stored; start from the database as it is
            var existing = await db.Users.SingleOrDefaultAsync(u => u.EmailHash == emailHash, ct);
            if (existing is null)
            {
                throw;
            }
            if (!await db.Memberships.AnyAsync(m => m.OrganizationId == connection.OrganizationId && m.UserId == existing.Id, ct))
            {
                return NotAMember();
            }
            outcome = await signIns.IdentityProviderAsync(cell, db, existing, connection.OrganizationId, http, ct);
            await db.SaveChangesAsync(ct);
        }
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Response);
    }
}
