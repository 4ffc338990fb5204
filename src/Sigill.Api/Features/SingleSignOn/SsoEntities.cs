using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;


using Directory = Sigill.Api.Features.Accounts.Directory;
using Sigill.Api.Features.Organizations;

namespace Sigill.Api.Features.SingleSignOn;

/// <summary>
/// An organization's connection to its identity provider. <see cref="Protocol"/> says how to speak to it: <c>oidc</c>
/// today; <c>saml</c> will be another value with its own settings record, and SCIM provisioning will hang off the same
/// row. Everything the organization typed in is encrypted under the organization's key: the protocol's settings as
/// one JSON field (<see cref="OidcSettings"/> for OpenID Connect) and the client secret as another, never returned.
/// One connection per organization for now (unique index).
/// </summary>
public sealed class IdentityProviderConnection
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string Protocol { get; set; }
    public required string SettingsToken { get; set; }
    public string? SecretToken { get; set; }
    /// <summary>Whether members other than owners may still sign in with a password (owners always may: a broken IdP must not lock the organization out).</summary>
    public bool PasswordSignInAllowed { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }

    public const string SettingsPurpose = "sso.settings";
    public const string SecretPurpose = "sso.client_secret";
    public const string Oidc = "oidc";
}

/// <summary>The OpenID Connect settings, stored encrypted as JSON in <see cref="IdentityProviderConnection.SettingsToken"/>.</summary>
public sealed record OidcSettings(string Issuer, string ClientId, IReadOnlyList<string> AllowedDomains);

/// <summary>
/// An e-mail domain an organization's connection claims, as the directory hash of the domain
/// (<see cref="Directory.DomainHash"/>): the web tier finds the organization's identity provider from a work e-mail
/// address without the domain travelling in clear. Unique per cell: a domain routes to one organization.
/// </summary>
public sealed class IdentityProviderDomain
{
    public required string DomainHash { get; init; }
    public required string ConnectionId { get; init; }
    public required string OrganizationId { get; init; }
}

/// <summary>
/// A single sign-on in progress, between the redirect to the identity provider and its callback: the OAuth
/// <c>state</c> is a presented secret (<c>sga_{region}_{id}_{secret}</c>, only its hash stored), used once (the row is
/// deleted when the callback arrives, whatever happens next) and short-lived. It holds the hash of the OpenID
/// nonce and the PKCE code verifier (encrypted under the organization's key).
/// </summary>
public sealed class SsoSignInAttempt
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string ConnectionId { get; init; }
    public required byte[] SecretHash { get; init; }
    public required byte[] NonceHash { get; init; }
    public required string VerifierToken { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }

    public const string VerifierPurpose = "sso.pkce_verifier";
}

internal sealed class SsoConfiguration :
    IEntityTypeConfiguration<IdentityProviderConnection>, IEntityTypeConfiguration<IdentityProviderDomain>, IEntityTypeConfiguration<SsoSignInAttempt>
{
    public void Configure(EntityTypeBuilder<IdentityProviderConnection> builder)
    {
        builder.ToTable("identity_provider_connections");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasMaxLength(64);
        builder.Property(c => c.OrganizationId).HasMaxLength(64);
        builder.HasIndex(c => c.OrganizationId).IsUnique();
        builder.Property(c => c.Protocol).HasMaxLength(16);
        builder.Property(c => c.SettingsToken).HasMaxLength(8192);
        builder.Property(c => c.SecretToken).HasMaxLength(2048);
        builder.HasOne<Organization>().WithMany().HasForeignKey(c => c.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<IdentityProviderDomain> builder)
    {
        builder.ToTable("identity_provider_domains");
        builder.HasKey(d => d.DomainHash);
        builder.Property(d => d.DomainHash).HasMaxLength(64);
        builder.Property(d => d.ConnectionId).HasMaxLength(64);
        builder.Property(d => d.OrganizationId).HasMaxLength(64);
        builder.HasIndex(d => d.ConnectionId);
        builder.HasOne<IdentityProviderConnection>().WithMany().HasForeignKey(d => d.ConnectionId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<SsoSignInAttempt> builder)
    {
        builder.ToTable("sso_sign_in_attempts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasMaxLength(64);
        builder.Property(a => a.OrganizationId).HasMaxLength(64);
        builder.Property(a => a.ConnectionId).HasMaxLength(64);
        builder.Property(a => a.SecretHash).HasMaxLength(32);
        builder.Property(a => a.NonceHash).HasMaxLength(32);
        builder.Property(a => a.VerifierToken).HasMaxLength(2048);
        builder.HasIndex(a => a.ExpiresAt);
        builder.HasOne<IdentityProviderConnection>().WithMany().HasForeignKey(a => a.ConnectionId).OnDelete(DeleteBehavior.Cascade);
    }
}
