using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.Members;

namespace Sigill.Api.Features.Organizations;

/// <summary>The person who will own a new organization: an existing user, or one created in the same transaction.</summary>
public sealed record OrganizationOwner(User User, bool IsNew, string Email, string Name);

/// <summary>
/// Creates an organization in the chosen cell in one transaction: the organization, its owner's membership (and
/// the owner's account when new), optionally a first API token, and their audit events — all or nothing.
/// </summary>
internal static class OrganizationFactory
{
    public static readonly string[] OwnerScopes = [.. Policies.TokenScopes];

    public static async Task<(Organization Organization, ApiToken Token, string PresentedToken)> CreateAsync(
        Cell cell, string name, string tokenName, TimeProvider time, CancellationToken ct, Features.Audit.AuditActor? actor = null, OrganizationOwner? owner = null,
        string? dpaVersion = null)
    {
        var (organization, token, presented) = await CreateCoreAsync(cell, name, tokenName, time, actor, owner, null, ct, dpaVersion);
        return (organization, token!, presented!);
    }

    /// <summary>Creates the organization, its owner and (when <paramref name="tokenName"/> is given) a first token; <paramref name="extra"/> adds rows to the same transaction.</summary>
    public static async Task<(Organization Organization, ApiToken? Token, string? PresentedToken)> CreateCoreAsync(
        Cell cell, string name, string? tokenName, TimeProvider time, Features.Audit.AuditActor? actor, OrganizationOwner? owner,
        Func<CellDbContext, Organization, Task>? extra, CancellationToken ct, string? dpaVersion = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var id = SigillId.New("org", cell.Region);
        using var newKeys = Sigill.Crypto.KeyAccess.Include(id); // a signed-in person creating an organization may use its keys
        // Keys first: the name is stored only as ciphertext under the organization's own key.
        await cell.Keys.CreateOrganizationKeysAsync(id, ct);
        var organization = new Organization
        {
            Id = id,
            Region = cell.Region,
            NameToken = (await cell.Keys.EncryptFieldAsync(id, Organization.NamePurpose, name, id, ct))!,
            CreatedAt = now,
        };
        await using var db = cell.CreateDbContext();
        var who = actor ?? Features.Audit.AuditActor.System;
        db.Organizations.Add(organization);
        await Features.Audit.AuditRecorder.RecordAsync(db, cell, new("organization.created", id, who, id,
            new Dictionary<string, string> { ["region"] = cell.Region }), now, ct);
        if (owner is not null)
        {
            if (owner.IsNew)
            {
                db.Users.Add(owner.User);
                await Features.Audit.AuditRecorder.RecordAsync(db, cell, new("user.created", id, who, owner.User.Id), now, ct);
            }
            db.Memberships.Add(await Features.Accounts.Accounts.NewMembershipAsync(cell, id, owner.User.Id, owner.Email, owner.Name, Roles.Owner, now, ct));
            await Features.Audit.AuditRecorder.RecordAsync(db, cell, new("member.added", id, who, owner.User.Id,
                new Dictionary<string, string> { ["role"] = Roles.Owner }), now, ct);
        }
        // A new organization accepts the sub-processor register as published in its cell (version and time recorded).
        await Features.SubProcessors.SubProcessorRegister.AcceptAsync(db, cell, id, owner?.User.Id, who, now, ct);
        // And the installation's data processing agreement, when the owner accepted one (the caller checked it is the configured version).
        if (dpaVersion is not null)
        {
            await Features.Privacy.Dpa.RecordAsync(db, cell, id, dpaVersion, owner?.User.Id, who, now, ct);
        }
        ApiToken? token = null;
        string? presented = null;
        if (tokenName is not null)
        {
            (presented, var tokenId, var hash) = PresentedSecret.ApiToken.Issue(cell.Region);
            token = new ApiToken
            {
                Id = tokenId,
                OrganizationId = organization.Id,
                UserId = owner?.User.Id,
                Name = tokenName,
                SecretHash = hash,
                Scopes = string.Join(' ', OwnerScopes),
                CreatedAt = now,
                ExpiresAt = now.AddDays(90),
            };
            db.ApiTokens.Add(token);
            await Features.Audit.AuditRecorder.RecordAsync(db, cell, new("api_token.created", id, who, tokenId,
                new Dictionary<string, string> { ["scopes"] = token.Scopes, ["expiresAt"] = token.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }), now, ct);
        }
        if (extra is not null)
        {
            await extra(db, organization);
        }
        try
        {
            await db.SaveChangesAsync(ct); // one implicit transaction: every row or none
        }
        catch
        {
            // Nothing half-way: keys of an organization (or a new user) that was never stored are removed again.
            await cell.Keys.AbandonOrganizationKeysAsync(id, CancellationToken.None);
            if (owner is { IsNew: true })
            {
                await cell.Keys.AbandonOrganizationKeysAsync(owner.User.Id, CancellationToken.None);
            }
            throw;
        }
        return (organization, token, presented);
    }
}
