using Sigill.Api.Cells;
using Sigill.Api.Features.ApiTokens;

namespace Sigill.Api.Features.Organizations;

/// <summary>Creates an organization with its first (owner) token in one transaction in the chosen cell.</summary>
internal static class OrganizationFactory
{
    public static readonly string[] OwnerScopes = ["organization:read", "organization:write", "documents:read", "documents:write", "templates:read", "templates:write"];

    public static async Task<(Organization Organization, ApiToken Token, string PresentedToken)> CreateAsync(
        Cell cell, string name, string tokenName, TimeProvider time, CancellationToken ct, Audit.AuditActor? actor = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var id = SigillId.New("org", cell.Region);
        // Keys first: the name is stored only as ciphertext under the organization's own key.
        await cell.Keys.CreateOrganizationKeysAsync(id, ct);
        var organization = new Organization
        {
            Id = id,
            Region = cell.Region,
            NameToken = (await cell.Keys.EncryptFieldAsync(id, Organization.NamePurpose, name, id, ct))!,
            CreatedAt = now,
        };
        var (presented, tokenId, hash) = ApiTokenSecret.Issue(cell.Region);
        var token = new ApiToken
        {
            Id = tokenId,
            OrganizationId = organization.Id,
            Name = tokenName,
            SecretHash = hash,
            Scopes = string.Join(' ', OwnerScopes),
            CreatedAt = now,
            ExpiresAt = now.AddDays(90),
        };
        await using var db = cell.CreateDbContext();
        db.Organizations.Add(organization);
        db.ApiTokens.Add(token);
        // Audit rows ride in the same SaveChanges: recorded if and only if the organization is.
        var who = actor ?? Audit.AuditActor.System;
        await Audit.AuditRecorder.RecordAsync(db, cell, new("organization.created", id, who, id), now, ct);
        await Audit.AuditRecorder.RecordAsync(db, cell, new("api_token.created", id, who, tokenId,
            new Dictionary<string, string> { ["scopes"] = token.Scopes, ["expiresAt"] = token.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }), now, ct);
        try
        {
            await db.SaveChangesAsync(ct); // one implicit transaction: both rows or neither
        }
        catch
        {
            // Nothing half-way: keys of an organization that was never stored are removed again.
            await cell.Keys.AbandonOrganizationKeysAsync(id, CancellationToken.None);
            throw;
        }
        return (organization, token, presented);
    }
}
