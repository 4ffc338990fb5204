using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sigill.Api.Cells;
using Sigill.Api.Features.ApiTokens;

namespace Sigill.Api.Security;

/// <summary>
/// Bearer authentication with Sigill API tokens. The token names its region, so the lookup goes
/// straight to that cell; a region this deployment does not serve fails authentication (never a proxy).
/// </summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CellRegistry cells,
    Telemetry.SigillMetrics metrics,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return AuthenticateResult.NoResult();
        }
        if (!ApiTokenSecret.TryParse(header["Bearer ".Length..].Trim(), out var id, out var region, out var secret))
        {
            return Refused("malformed_token", "malformed token");
        }
        if (!cells.TryGet(region, out var cell))
        {
            return Refused("foreign_region", "token for a region this deployment does not serve");
        }
        await using var db = cell.CreateDbContext();
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == id, Context.RequestAborted);
        var now = time.GetUtcNow().UtcDateTime;
        if (token is null || !CryptographicOperations.FixedTimeEquals(token.SecretHash, ApiTokenSecret.Hash(secret))
            || token.RevokedAt is not null || token.ExpiresAt <= now)
        {
            return Refused("invalid_token", "unknown, revoked or expired token");
        }
        // Record last use at most once a minute, so a busy token doesn't turn every read into a write.
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(Context.RequestAborted);
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(SigillClaims.TokenId, token.Id),
            new Claim(SigillClaims.OrganizationId, token.OrganizationId),
            new Claim(SigillClaims.Region, region),
            .. token.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => new Claim(SigillClaims.Scope, s)),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>Counts the refusal (<c>sigill_sign_in_failures_total</c>): a burst is credential guessing.</summary>
    private AuthenticateResult Refused(string reason, string message)
    {
        metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        return AuthenticateResult.Fail(message);
    }
}

public static class SigillClaims
{
    public const string TokenId = "sigill:token";
    public const string OrganizationId = "sigill:org";
    public const string Region = "sigill:region";
    public const string Scope = "scope";
}

/// <summary>The authenticated caller, as handlers see it.</summary>
public sealed record Caller(string OrganizationId, string Region)
{
    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(SigillClaims.OrganizationId) ?? throw new InvalidOperationException("No organization claim."),
        user.FindFirstValue(SigillClaims.Region) ?? throw new InvalidOperationException("No region claim."));
}
