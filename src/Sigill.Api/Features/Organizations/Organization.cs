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
    /// <summary>Accent colour of the e-mails and pages recipients see, <c>#RRGGBB</c> (null: Sigill's own).</summary>
    public string? BrandColor { get; set; }
    /// <summary>How many days the download link in a completion e-mail works (1-365).</summary>
    public int DeliveryLinkDays { get; set; } = 30;
    /// <summary>Whether completion e-mails carry the sealed PDF as an attachment (up to <c>Documents:MaxAttachmentBytes</c>); a link always comes along.</summary>
    public bool AttachSealedPdf { get; set; } = true;

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
        builder.Property(o => o.BrandColor).HasMaxLength(7);
        builder.Property(o => o.DeliveryLinkDays).HasDefaultValue(30);
        builder.Property(o => o.AttachSealedPdf).HasDefaultValue(true);
    }
}
