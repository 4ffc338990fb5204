using Sigill.Api.Cells;
using Sigill.Api.Features.ApiTokens;

namespace Sigill.Api.Features.Organizations;

/// <summary>Creates an organization with its first (owner) token in one transaction in the chosen cell.</summary>
internal static class OrganizationFactory
{
    public static readonly string[] OwnerScopes = ["organization:read", "organization:write"];

    public static async Task<(Organization Organization, ApiToken Token, string PresentedToken)> CreateAsync(
        Cell cell, string name, string tokenName, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var organization = new Organization
        {
            Id = SigillId.New("org", cell.Region),
            Region = cell.Region,
            Name = name,
            CreatedAt = now,
        };
        var (presented, id, hash) = ApiTokenSecret.Issue(cell.Region);
        var token = new ApiToken
        {
            Id = id,
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
        await db.SaveChangesAsync(ct); // one implicit transaction: both rows or neither
        return (organization, token, presented);
    }
}
