using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.ApiTokens;

/// <summary>An API token (<c>sgl_…</c>, see <see cref="Security.PresentedSecret"/>): scoped, expiring, revocable, stored as a hash.</summary>
public sealed class ApiToken
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    /// <summary>The person who created it: the token acts with its scopes narrowed to that person's current role. Null for the setup token.</summary>
    public string? UserId { get; init; }
    public required string Name { get; set; }
    public required byte[] SecretHash { get; init; }
    /// <summary>Space-separated scopes, e.g. <c>organization:read organization:write</c>.</summary>
    public required string Scopes { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.ToTable("api_tokens");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).HasMaxLength(64);
        builder.Property(t => t.OrganizationId).HasMaxLength(64);
        builder.Property(t => t.UserId).HasMaxLength(64);
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.SecretHash).HasMaxLength(32);
        builder.Property(t => t.Scopes).HasMaxLength(1000);
        builder.HasIndex(t => t.OrganizationId);
        builder.HasOne<Organizations.Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
