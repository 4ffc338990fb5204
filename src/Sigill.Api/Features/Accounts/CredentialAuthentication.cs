using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.StaffAccess;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Features.ApiTokens;

namespace Sigill.Api.Features.Accounts;

/// <summary>
/// Bearer authentication for every secret Sigill issues (<see cref="PresentedSecret"/>): API tokens (<c>sgl_</c>),
/// browser sessions (<c>sgs_</c>, presented by the web tier on the browser's behalf) and operator credentials
/// (<c>sgo_</c>, with a <c>Sigill-Support-Grant</c> header to act under a live grant). The secret names its
/// region, so the lookup goes straight to that cell; a region this deployment does not serve fails (never a proxy).
/// Roles and grants are read on every request, so a demotion, a removal or a revoke takes effect at once.
/// </summary>
internal sealed class CredentialAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CellRegistry cells,
    IdentityOptions identity,
    Platform.Telemetry.SigillMetrics metrics,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = SigillClaims.Scheme;

    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return AuthenticateResult.NoResult();
        }
        var presented = header["Bearer ".Length..].Trim();
        var kind = new[] { PresentedSecret.ApiToken, PresentedSecret.Session, PresentedSecret.Operator }
            .FirstOrDefault(k => presented.StartsWith(k.Prefix + "_", StringComparison.Ordinal));
        if (kind is null || !kind.TryParse(presented, out var id, out var region, out var secret))
        {
            return Refused("malformed_token", "malformed credential");
        }
        if (!cells.TryGet(region, out var cell))
        {
            return Refused("foreign_region", "credential for a region this deployment does not serve");
        }
        await using var db = cell.CreateDbContext();
        var now = time.GetUtcNow().UtcDateTime;
        var claims = kind == PresentedSecret.ApiToken ? await ApiTokenAsync(db, id, secret, now)
            : kind == PresentedSecret.Session ? await SessionAsync(db, id, secret, now)
            : await OperatorAsync(db, id, secret, now);
        if (claims is null)
        {
            return Refused("invalid_token", "unknown, revoked or expired credential");
        }
        claims.Add(new Claim(SigillClaims.Region, region));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private async Task<List<Claim>?> ApiTokenAsync(CellDbContext db, string id, string secret, DateTime now)
    {
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == id, Context.RequestAborted);
        if (token is null || !PresentedSecret.Matches(token.SecretHash, secret) || token.RevokedAt is not null || token.ExpiresAt <= now)
        {
            return null;
        }
        IEnumerable<string> scopes = token.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (token.UserId is not null)
        {
            // A person's token never outranks the person: narrowed to their current role, dead once they leave.
            var role = await RoleAsync(db, token.OrganizationId, token.UserId);
            if (role is null)
            {
                return null;
            }
            scopes = scopes.Intersect(Roles.ScopesOf(role));
        }
        if (token.LastUsedAt is null || now - token.LastUsedAt > TouchInterval)
        {
            token.LastUsedAt = now; // at most once a minute, so a busy token doesn't turn every read into a write
            await db.SaveChangesAsync(Context.RequestAborted);
        }
        return
        [
            new(SigillClaims.TokenId, token.Id),
            new(SigillClaims.OrganizationId, token.OrganizationId),
            .. token.UserId is null ? [] : new[] { new Claim(SigillClaims.UserId, token.UserId) },
            .. scopes.Select(s => new Claim(SigillClaims.Scope, s)),
        ];
    }

    private async Task<List<Claim>?> SessionAsync(CellDbContext db, string id, string secret, DateTime now)
    {
        var session = await db.Sessions.SingleOrDefaultAsync(s => s.Id == id, Context.RequestAborted);
        if (session is null || !PresentedSecret.Matches(session.SecretHash, secret) || session.RevokedAt is not null)
        {
            return null;
        }
        if (session.ExpiresAt <= now || now - session.LastSeenAt > identity.SessionIdleTimeout)
        {
            // An expiry, once seen, is final: a system clock set back later (it had jumped ahead) must not bring the
            // session back to life after the person was told it ended.
            session.RevokedAt = now;
            await db.SaveChangesAsync(Context.RequestAborted);
            return null;
        }
        var role = await RoleAsync(db, session.OrganizationId, session.UserId);
        if (role is null)
        {
            return null;
        }
        // Seen "in the future" means the clock was set back: count idleness from the corrected clock, not the wrong one.
        if (now - session.LastSeenAt > TouchInterval || session.LastSeenAt > now)
        {
            session.LastSeenAt = now;
            await db.SaveChangesAsync(Context.RequestAborted);
        }
        // An embedded sending session (Features/Embedding/EmbedSending) is scoped to one document: its document scopes,
        // never the account; Embedding.DocumentScopeMiddleware refuses every route outside that document.
        var document = session.DocumentId;
        return
        [
            new(SigillClaims.SessionId, session.Id),
            new(SigillClaims.OrganizationId, session.OrganizationId),
            new(SigillClaims.UserId, session.UserId),
            new(SigillClaims.Role, role),
            document is null ? new(SigillClaims.Scope, Policies.Account) : new(SigillClaims.DocumentScope, document),
            .. Roles.ScopesOf(role).Where(s => document is null || s is Policies.DocumentsRead or Policies.DocumentsWrite).Select(s => new Claim(SigillClaims.Scope, s)),
        ];
    }

    private async Task<List<Claim>?> OperatorAsync(CellDbContext db, string id, string secret, DateTime now)
    {
        var op = await db.Operators.SingleOrDefaultAsync(o => o.Id == id, Context.RequestAborted);
        if (op is null || !PresentedSecret.Matches(op.SecretHash, secret) || op.DisabledAt is not null)
        {
            return null;
        }
        List<Claim> claims = [new(SigillClaims.OperatorId, op.Id), new(SigillClaims.Scope, Policies.Support)];
        var grantId = Request.Headers[SigillHeaders.SupportGrant].ToString();
        if (grantId.Length == 0)
        {
            return claims; // no standing access: the support endpoints only
        }
        var grant = await db.SupportGrants.AsNoTracking().SingleOrDefaultAsync(g => g.Id == grantId && g.OperatorId == op.Id, Context.RequestAborted);
        if (grant is null || !grant.IsLive(now))
        {
            return null;
        }
        claims.Add(new(SigillClaims.GrantId, grant.Id));
        claims.Add(new(SigillClaims.GrantExpires, grant.ExpiresAt!.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        claims.Add(new(SigillClaims.OrganizationId, grant.OrganizationId));
        var scopes = grant.Access == "write" ? Roles.ScopesOf(Roles.Member) : Roles.ScopesOf(Roles.Viewer);
        claims.AddRange(scopes.Select(s => new Claim(SigillClaims.Scope, s)));
        return claims;
    }

    private async Task<string?> RoleAsync(CellDbContext db, string organizationId, string userId) =>
        await db.Memberships.Where(m => m.OrganizationId == organizationId && m.UserId == userId)
            .Select(m => m.Role).SingleOrDefaultAsync(Context.RequestAborted);

    /// <summary>Counts the refusal (<c>sigill_sign_in_failures_total</c>): a burst is credential guessing.</summary>
    private AuthenticateResult Refused(string reason, string message)
    {
        metrics.SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        return AuthenticateResult.Fail(message);
    }
}
