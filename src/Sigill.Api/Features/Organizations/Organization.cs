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
    /// <summary>The logo of the e-mails recipients get: a PNG Sigill wrote from the decoded upload, base64, encrypted (purpose <see cref="LogoPurpose"/>).</summary>
    public string? LogoToken { get; set; }
    /// <summary>
    /// Whether a completion may be sealed at PAdES baseline B when no timestamp authority answers, rather than wait for
    /// the queue's retries (off by default; recorded as <c>document.sealed_without_timestamp</c> and shown on the document).
    /// </summary>
    public bool SealWithoutTimestamp { get; set; }

    public const string NamePurpose = "organization.name";
    public const string LogoPurpose = "organization.logo";
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
