using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;


using Directory = Sigill.Api.Features.Accounts.Directory;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Features.SingleSignOn;

/// <summary>
/// An organization's single sign-on connection at <c>/api/v1/organization/sso</c> (owners and admins: <c>members:write</c>,
/// because the connection decides who becomes a member). The client secret is write-only. Saving checks the issuer
/// through the SSRF guard and reads its discovery document, so a typo shows at once rather than at the first sign-in.
/// </summary>
public static class SsoEndpoints
{
    public sealed record ConnectionRequest(string? Protocol, string? Issuer, string? ClientId, string? ClientSecret, IReadOnlyList<string>? AllowedDomains,
        bool? PasswordSignInAllowed);


    public static void MapSsoSettings(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/organization/sso").WithTags("Single sign-on").RequireAuthorization(Policies.MembersWrite);
        group.MapGet("/", Get);
        group.MapPut("/", Put);
        group.MapDelete("/", Delete);
    }

    internal static string RedirectUri(MailOptions mail) => mail.LinkBaseUrl.TrimEnd('/') + "/sso/callback";

    internal static ProblemHttpResult NotConfigured() => Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.SsoNotConfigured,
        "Single sign-on is not set up for this organization.");

    internal static async Task<OidcSettings> SettingsAsync(Cell cell, IdentityProviderConnection connection, CancellationToken ct) =>
        JsonSerializer.Deserialize<OidcSettings>((await cell.Keys.DecryptFieldAsync(connection.OrganizationId, IdentityProviderConnection.SettingsPurpose,
            connection.SettingsToken, connection.Id, ct))!)!;

    private static async Task<Results<Ok<SsoConnectionView>, ProblemHttpResult>> Get(Caller caller, CellDbContext db, MailOptions mail, CancellationToken ct)
    {
        var connection = await db.Set<IdentityProviderConnection>().AsNoTracking().SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId, ct);
        return connection is null ? NotConfigured() : TypedResults.Ok(await ViewAsync(caller.Cell, connection, mail, ct));
    }

    private static async Task<SsoConnectionView> ViewAsync(Cell cell, IdentityProviderConnection c, MailOptions mail, CancellationToken ct)
    {
        var settings = await SettingsAsync(cell, c, ct);
        return new(c.Id, c.Protocol, settings.Issuer, settings.ClientId, settings.AllowedDomains, c.PasswordSignInAllowed, c.SecretToken is not null,
            RedirectUri(mail), c.CreatedAt, c.UpdatedAt);
    }

    /// <summary>What saving a connection needs besides the caller and the request: discovery, the directory, mail and the clock.</summary>
    internal sealed record PutServices(OidcClient Oidc, Directory Directory, MailOptions Mail, TimeProvider Time);

    private static async Task<Results<Ok<SsoConnectionView>, ProblemHttpResult>> Put(ConnectionRequest request, Caller caller, CellDbContext db, HttpContext http, [AsParameters] PutServices services, CancellationToken ct)
    {
        var (oidc, directory, mail, time) = services;
        var cell = caller.Cell;
        if ((request.Protocol ?? IdentityProviderConnection.Oidc) != IdentityProviderConnection.Oidc)
        {
            return Problems.Validation("protocol must be \"oidc\" (SAML is planned).");
        }
        if (OidcClient.IssuerProblem(request.Issuer, out var issuerUrl) is { } issuerProblem)
        {
            return Problems.Validation(issuerProblem);
        }
        if (request.ClientId?.Trim() is not { Length: > 0 and <= 255 } clientId)
        {
            return Problems.Validation("clientId is required (1-255 characters).");
        }
        var domains = request.AllowedDomains?.Select(d => d?.Trim().TrimEnd('.').ToLowerInvariant() ?? "").Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (domains.Count is 0 or > 20 || !domains.All(IsDomain))
        {
            return Problems.Validation("allowedDomains must list 1-20 e-mail domains (e.g. \"example.com\"): who may sign in through this provider.");
        }
        var existing = await db.Set<IdentityProviderConnection>().SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId, ct);
        if (request.ClientSecret is { } secret && secret.Length is 0 or > 1000)
        {
            return Problems.Validation("clientSecret must be 1-1000 characters.");
        }
        if (existing is null && request.ClientSecret is null)
        {
            return Problems.Validation("clientSecret is required when single sign-on is first set up.");
        }
        var hashes = domains.ToDictionary(d => directory.DomainHash(d), d => d);
        var hashList = hashes.Keys.ToList();
        if (await db.Set<IdentityProviderDomain>().AnyAsync(d => hashList.Contains(d.DomainHash) && d.OrganizationId != caller.OrganizationId, ct))
        {
            return Problems.Conflict(ErrorCodes.SsoDomainTaken, "Another organization's single sign-on already claims one of these domains.");
        }
        // The issuer is reached only through the SSRF guard; its discovery document must name it exactly.
        var issuer = request.Issuer!;
        if (!await oidc.HostAllowedAsync(issuerUrl!, ct))
        {
            return IssuerRefused();
        }
        try
        {
            await oidc.DiscoverAsync(issuer, ct, fresh: true);
        }
        catch (IdentityProviderException e)
        {
            return e.Code == ErrorCodes.SsoIssuerRefused ? IssuerRefused()
                : Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.SsoDiscoveryFailed, "The identity provider's discovery document could not be used.", e.Message);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var connection = existing ?? new IdentityProviderConnection
        {
            Id = SigillId.New("idp", cell.Region),
            OrganizationId = caller.OrganizationId,
            Protocol = IdentityProviderConnection.Oidc,
            SettingsToken = "",
            CreatedAt = now,
        };
        var settingsJson = JsonSerializer.Serialize(new OidcSettings(issuer, clientId, domains));
        connection.SettingsToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, IdentityProviderConnection.SettingsPurpose, settingsJson, connection.Id, ct))!;
        if (request.ClientSecret is not null)
        {
            connection.SecretToken = await cell.Keys.EncryptFieldAsync(caller.OrganizationId, IdentityProviderConnection.SecretPurpose, request.ClientSecret, connection.Id, ct);
        }
        connection.PasswordSignInAllowed = request.PasswordSignInAllowed ?? existing?.PasswordSignInAllowed ?? true; // omitted: unchanged (new: allowed)
        connection.UpdatedAt = now;
        if (existing is null)
        {
            db.Add(connection);
        }
        // One SaveChanges for the connection, its domains and the audit event: all or nothing.
        var claimed = await db.Set<IdentityProviderDomain>().Where(d => d.ConnectionId == connection.Id).ToListAsync(ct);
        db.RemoveRange(claimed.Where(d => !hashes.ContainsKey(d.DomainHash)));
        db.AddRange(hashList.Where(h => claimed.All(d => d.DomainHash != h))
            .Select(h => new IdentityProviderDomain { DomainHash = h, ConnectionId = connection.Id, OrganizationId = caller.OrganizationId }));
        await AuditRecorder.RecordAsync(db, cell, new(existing is null ? "sso.configured" : "sso.updated", caller.OrganizationId,
            AuditActor.From(http, caller.Actor), connection.Id, new Dictionary<string, string>
            {
                ["protocol"] = connection.Protocol,
                ["domains"] = string.Join(' ', domains),
                ["passwordSignIn"] = connection.PasswordSignInAllowed ? "allowed" : "owners only",
                ["secretChanged"] = request.ClientSecret is null ? "no" : "yes",
            }), now, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (UniqueKey.IsViolation(e))
        {
            // Another save at the same moment created this organization's connection or claimed one of these domains.
            return Problems.Conflict(ErrorCodes.Conflict, "The connection was changed by another request at the same moment; read it again and retry.");
        }
        return TypedResults.Ok(await ViewAsync(cell, connection, mail, ct));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Caller caller, CellDbContext db, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        var connection = await db.Set<IdentityProviderConnection>().SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId, ct);
        if (connection is null)
        {
            return NotConfigured();
        }
        db.RemoveRange(await db.Set<SsoSignInAttempt>().Where(a => a.ConnectionId == connection.Id).ToListAsync(ct));
        db.RemoveRange(await db.Set<IdentityProviderDomain>().Where(d => d.ConnectionId == connection.Id).ToListAsync(ct));
        db.Remove(connection);
        await AuditRecorder.RecordAsync(db, caller.Cell, new("sso.removed", caller.OrganizationId,
            AuditActor.From(http, caller.Actor), connection.Id), time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult IssuerRefused() => Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.SsoIssuerRefused, "The identity provider's address is not allowed.",
        "Loopback, private, link-local and metadata addresses are refused unless the installation allows them (Webhooks:AllowedNetworks).");

    /// <summary>A DNS name with at least two labels of letters, digits and hyphens (IDNs in their xn-- form).</summary>
    internal static bool IsDomain(string domain) =>
        domain.Length is > 3 and <= 253 && domain.Contains('.', StringComparison.Ordinal)
        && domain.Split('.').All(l => l.Length is > 0 and <= 63 && l[0] != '-' && l[^1] != '-' && l.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'));
}
