using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.Organizations;

/// <summary>A customer organization. Lives in exactly one region cell, chosen at creation.</summary>
public sealed class Organization
{
    public required string Id { get; init; }
    public required string Region { get; init; }
    /// <summary>The name as a field token encrypted under the organization's key (purpose <see cref="NamePurpose"/>).</summary>
    public required string NameToken { get; set; }
    public DateTime CreatedAt { get; init; }

    public const string NamePurpose = "organization.name";
}

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> builder)
    {
        builder.ToTable("organizations");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Id).HasMaxLength(64);
        builder.Property(o => o.Region).HasMaxLength(16);
        builder.Property(o => o.NameToken).HasMaxLength(2048);
    }
}
