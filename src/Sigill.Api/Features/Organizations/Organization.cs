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
    /// <summary>
    /// Retention policy (issue 18 part 4, docs/privacy.md "Retention"): days after its last change a draft is deleted; days
    /// after it ended a declined, voided or expired document is deleted; years after completion a completed document is
    /// kept (and then deleted); days after which a recipient's last view IP address and user agent are cleared. Null: keep
    /// (off). A new organization starts with the documented defaults; an organization created before the policy existed
    /// has every rule off until an admin sets it (an upgrade deletes nothing on its own).
    /// </summary>
    public int? RetentionDraftDays { get; set; } = RetentionDefaults.DraftDays;
    public int? RetentionEndedDays { get; set; } = RetentionDefaults.EndedDays;
    public int? RetentionCompletedYears { get; set; } = RetentionDefaults.CompletedYears;
    public int? RetentionViewDetailsDays { get; set; } = RetentionDefaults.ViewDetailsDays;

    /// <summary>
    /// The origins (<c>scheme://host[:port]</c>, one per line) allowed to frame this organization's recipient pages in an
    /// embedded signing (issue part 2, docs/embedding.md). Null or empty: no embedding. Not customer content (it is the
    /// organization's own web address, sent to browsers in every framed page's CSP), so stored in clear.
    /// </summary>
    public string? EmbedOrigins { get; set; }

    /// <summary>
    /// The language of the e-mails, pages and certificates of completion of this organization's documents when a
    /// recipient has none of their own: <c>en</c>, <c>sv</c>, <c>de</c>, <c>fr</c> or <c>es</c> (<see cref="Languages"/>). Null: English.
    /// </summary>
    public string? DefaultLanguage { get; set; }

    public const string NamePurpose = "organization.name";
    public const string LogoPurpose = "organization.logo";
}

/// <summary>The retention policy a new organization starts with (rationale: docs/privacy.md "Retention").</summary>
public static class RetentionDefaults
{
    public const int DraftDays = 180;
    public const int EndedDays = 365;
    /// <summary>Null: the controller decides the legal retention of signed documents; Sigill cannot know it.</summary>
    public static readonly int? CompletedYears;
    public const int ViewDetailsDays = 90;
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
        builder.Property(o => o.DefaultLanguage).HasMaxLength(8);
        builder.Property(o => o.DeliveryLinkDays).HasDefaultValue(30);
        builder.Property(o => o.AttachSealedPdf).HasDefaultValue(true);
    }
}
