using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// A document to be signed. Customer content never sits here in clear: the title, message, decline
/// reason and pricing totals are field tokens under the organization's key; the PDF itself is an
/// encrypted object (<see cref="CurrentPdfObjectId"/>), replaced by a new object at every signature.
/// </summary>
public sealed class Document
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string TitleToken { get; set; }
    public required string Status { get; set; }
    /// <summary>"upload" or "template".</summary>
    public required string Source { get; init; }
    public string? MessageToken { get; set; }
    public string? DeclineReasonToken { get; set; }
    /// <summary>JSON of the computed pricing totals (a field token), for template documents with a pricing table.</summary>
    public string? PricingToken { get; set; }
    /// <summary>Page sizes in points as JSON <c>[[w,h],…]</c>: geometry only, no content.</summary>
    public required string PagesJson { get; init; }
    /// <summary>SHA-256 (hex) of the PDF as uploaded or rendered: revision 0 of the sealed file.</summary>
    public required string OriginalSha256 { get; init; }
    /// <summary>The encrypted object holding the newest revision of the PDF.</summary>
    public required string CurrentPdfObjectId { get; set; }
    /// <summary>Bumped by every change of <see cref="CurrentPdfObjectId"/>; an optimistic-concurrency token, so two parallel signers never lose a signature.</summary>
    public int Revision { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime? SentAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public DateTime? VoidedAt { get; set; }
    public DateTime? DeclinedAt { get; set; }
    /// <summary>Automatic reminders: every this many days while the document waits (null: none). Run by the job queue.</summary>
    public int? RemindEveryDays { get; set; }
    /// <summary>The user who sent it (null when an API token without a person sent it): named in the e-mails, Reply-To, and told of progress.</summary>
    public string? SentByUserId { get; set; }
    /// <summary>Until when the completion e-mails' download links work (the organization's <see cref="Organizations.Organization.DeliveryLinkDays"/>).</summary>
    public DateTime? DeliveryExpiresAt { get; set; }
    /// <summary>For a document made from a template: the language of the body it was rendered from (a code of
    /// <see cref="Sigill.Contracts.Languages"/>). Null for uploads and for documents made before templates had languages.</summary>
    public string? Language { get; set; }

    public const string TitlePurpose = "document.title";
    public const string MessagePurpose = "document.message";
    public const string DeclinePurpose = "document.decline-reason";
    public const string PricingPurpose = "document.pricing";
    public const string PdfPurpose = "document.pdf";
}

/// <summary>A signer, approver or cc of one document. Name, e-mail, IP and user agent are field tokens.</summary>
public sealed class Recipient
{
    public required string Id { get; init; }
    public required string DocumentId { get; init; }
    public required string OrganizationId { get; init; }
    public required string NameToken { get; set; }
    public required string EmailToken { get; set; }
    /// <summary>Blind index of the normalized e-mail, keyed per organization: finds a person's documents without storing the address.</summary>
    public required string EmailIndex { get; set; }
    public required string Role { get; init; }
    /// <summary>Signing group: groups go in ascending order, recipients of one group sign in parallel.</summary>
    public int SigningOrder { get; init; }
    public required string Status { get; set; }
    /// <summary>SHA-256 of the link token; the token itself exists only in the e-mail.</summary>
    public byte[]? LinkHash { get; set; }
    /// <summary>SHA-256 of the download link the completion e-mail carries (valid until <see cref="Document.DeliveryExpiresAt"/>).</summary>
    public byte[]? DeliveryHash { get; set; }
    public DateTime? NotifiedAt { get; set; }
    public DateTime? ConsentedAt { get; set; }
    public DateTime? FirstViewedAt { get; set; }
    public DateTime? LastViewedAt { get; set; }
    public int ViewCount { get; set; }
    /// <summary>SHA-256 (hex) of the PDF bytes served at the last view: what they saw.</summary>
    public string? ViewedSha256 { get; set; }
    public string? LastViewIpToken { get; set; }
    public string? LastViewUserAgentToken { get; set; }
    public DateTime? CompletedAt { get; set; }
    public string? CompletedIpToken { get; set; }
    public string? CompletedUserAgentToken { get; set; }
    /// <summary>"typed" or "drawn" for signers.</summary>
    public string? SignatureKind { get; set; }
    /// <summary>Step-up before content or action: null (none), <c>access_code</c> or <c>email_code</c> (see <c>Signing/StepUp.cs</c>).</summary>
    public string? StepUp { get; init; }
    /// <summary>Keyed hash of the sender's access code, or of the current e-mailed one-time code; never the code.</summary>
    public string? StepUpCodeHash { get; set; }
    public DateTime? StepUpCodeExpiresAt { get; set; }
    public DateTime? StepUpCodeSentAt { get; set; }
    /// <summary>Failed attempts since the last success or lockout; reserved atomically before a code is checked.</summary>
    public int StepUpFailures { get; set; }
    public DateTime? StepUpLockedUntil { get; set; }
    /// <summary>SHA-256 of the grant a passed step-up hands out (header <c>Sigill-Step-Up</c>).</summary>
    public byte[]? StepUpGrantHash { get; set; }
    public DateTime? StepUpGrantExpiresAt { get; set; }
    /// <summary>
    /// The language of this recipient's e-mails (<c>en</c>, <c>sv</c>, <c>de</c>, <c>fr</c>, <c>es</c>: <see cref="Languages"/>),
    /// chosen by the sender. Null: the organization's <see cref="Organizations.Organization.DefaultLanguage"/>.
    /// </summary>
    public string? Language { get; set; }

    public const string NamePurpose = "recipient.name";
    public const string EmailPurpose = "recipient.email";
    public const string EmailIndexPurpose = "recipient.email";
    public const string IpPurpose = "recipient.ip";
    public const string UserAgentPurpose = "recipient.user-agent";
    public const string StepUpPurpose = "recipient.step-up";
}

/// <summary>A field on a page, assigned to one recipient. Coordinates in points from the page's top-left corner.</summary>
public sealed class DocumentField
{
    public required string Id { get; init; }
    public required string DocumentId { get; init; }
    public required string OrganizationId { get; init; }
    public required string RecipientId { get; init; }
    public required string Kind { get; init; }
    /// <summary>1-based page number.</summary>
    public int Page { get; set; }
    public double X { get; set; }
    public double Y { get; set; }
    public double Width { get; init; }
    public double Height { get; init; }
    public bool Required { get; set; }
    public string? ValueToken { get; set; }
    /// <summary>What the signer is asked for (the sender's words, e.g. "Start date"), encrypted; null: named after its kind.</summary>
    public string? LabelToken { get; set; }
    /// <summary>A date field the signing fills in with the day of signing (UTC, in the evidence); the signer types nothing.</summary>
    public bool FillSigningDate { get; init; }
    /// <summary>The kind's settings (bounds, options, a condition: <see cref="Sigill.Contracts.FieldSettings"/> as JSON), encrypted like the label; null: none.</summary>
    public string? SettingsToken { get; set; }

    /// <summary>An attachment field's uploaded file: its encrypted object (<see cref="AttachmentPurpose"/>); null: none yet.</summary>
    public string? AttachmentObjectId { get; set; }
    /// <summary>The SHA-256 of the uploaded file's bytes (hex), as the certificate of completion lists it.</summary>
    public string? AttachmentSha256 { get; set; }
    /// <summary>The file's type as its bytes show it: <c>application/pdf</c>, <c>image/png</c> or <c>image/jpeg</c>.</summary>
    public string? AttachmentContentType { get; set; }
    public long? AttachmentBytes { get; set; }
    /// <summary>The file's name as the signer's browser gave it (cleaned), encrypted: customer content.</summary>
    public string? AttachmentNameToken { get; set; }

    public const string ValuePurpose = "field.value";
    public const string AttachmentNamePurpose = "field.attachment_name";
    /// <summary>The purpose of an attachment's encrypted object (its blob key's middle part).</summary>
    public const string AttachmentPurpose = "field.attachment";
    public const string LabelPurpose = "field.label";
    public const string SettingsPurpose = "field.settings";
}

/// <summary>
/// What happened to a document, in order: the activity feed, and the audit event ids the
/// certificate of completion cites. Holds identifiers and times only.
/// </summary>
public sealed class DocumentEventRow
{
    public required string Id { get; init; }
    public required string DocumentId { get; init; }
    public required string OrganizationId { get; init; }
    public required string Action { get; init; }
    public string? RecipientId { get; init; }
    public DateTime OccurredAt { get; init; }
}

internal sealed class DocumentConfiguration : IEntityTypeConfiguration<Document>
{
    public void Configure(EntityTypeBuilder<Document> builder)
    {
        builder.ToTable("documents");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).HasMaxLength(64);
        builder.Property(d => d.OrganizationId).HasMaxLength(64);
        builder.Property(d => d.Status).HasMaxLength(16);
        builder.Property(d => d.Source).HasMaxLength(16);
        builder.Property(d => d.OriginalSha256).HasMaxLength(64);
        builder.Property(d => d.CurrentPdfObjectId).HasMaxLength(64);
        builder.Property(d => d.SentByUserId).HasMaxLength(64);
        builder.Property(d => d.Language).HasMaxLength(8);
        builder.Property(d => d.Revision).IsConcurrencyToken();
        builder.HasIndex(d => new { d.OrganizationId, d.CreatedAt });
    }
}

internal sealed class RecipientConfiguration : IEntityTypeConfiguration<Recipient>
{
    public void Configure(EntityTypeBuilder<Recipient> builder)
    {
        builder.ToTable("document_recipients");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.DocumentId).HasMaxLength(64);
        builder.Property(r => r.OrganizationId).HasMaxLength(64);
        builder.Property(r => r.EmailIndex).HasMaxLength(128);
        builder.Property(r => r.Role).HasMaxLength(16);
        builder.Property(r => r.Language).HasMaxLength(8);
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.Property(r => r.ViewedSha256).HasMaxLength(64);
        builder.Property(r => r.SignatureKind).HasMaxLength(16);
        builder.Property(r => r.StepUp).HasMaxLength(16);
        builder.Property(r => r.StepUpCodeHash).HasMaxLength(128);
        builder.HasIndex(r => r.DocumentId);
        builder.HasIndex(r => r.LinkHash).IsUnique();
        builder.HasIndex(r => r.DeliveryHash).IsUnique();
        builder.HasIndex(r => new { r.OrganizationId, r.EmailIndex });
    }
}

internal sealed class DocumentFieldConfiguration : IEntityTypeConfiguration<DocumentField>
{
    public void Configure(EntityTypeBuilder<DocumentField> builder)
    {
        builder.ToTable("document_fields");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.Id).HasMaxLength(64);
        builder.Property(f => f.DocumentId).HasMaxLength(64);
        builder.Property(f => f.OrganizationId).HasMaxLength(64);
        builder.Property(f => f.RecipientId).HasMaxLength(64);
        builder.Property(f => f.Kind).HasMaxLength(16);
        builder.Property(f => f.AttachmentObjectId).HasMaxLength(64);
        builder.Property(f => f.AttachmentSha256).HasMaxLength(64);
        builder.Property(f => f.AttachmentContentType).HasMaxLength(32);
        builder.HasIndex(f => f.DocumentId);
    }
}

internal sealed class DocumentEventConfiguration : IEntityTypeConfiguration<DocumentEventRow>
{
    public void Configure(EntityTypeBuilder<DocumentEventRow> builder)
    {
        builder.ToTable("document_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasMaxLength(64);
        builder.Property(e => e.DocumentId).HasMaxLength(64);
        builder.Property(e => e.OrganizationId).HasMaxLength(64);
        builder.Property(e => e.Action).HasMaxLength(64);
        builder.Property(e => e.RecipientId).HasMaxLength(64);
        builder.HasIndex(e => new { e.DocumentId, e.OccurredAt });
    }
}
