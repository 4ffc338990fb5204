namespace Sigill.Contracts;

// Documents (/api/v1/documents) and templates (/api/v1/templates, /api/v1/blocks).

/// <summary>A document in the list; <c>WaitingOn</c>: the names of those whose turn it is (a sent document's), else empty.</summary>
public sealed record DocumentSummary(string Id, string Title, string Status, DateTime CreatedAt, IReadOnlyList<string>? WaitingOn = null);

public sealed record PageView(int Page, double Width, double Height);

/// <param name="Language">The language of the recipient's e-mails (<see cref="Languages"/>); null: the organization's default.</param>
public sealed record RecipientView(string Id, string Name, string Email, string Role, int SigningOrder, string Status,
    DateTime? NotifiedAt, DateTime? ConsentedAt, DateTime? FirstViewedAt, DateTime? LastViewedAt, int ViewCount, string? ViewedSha256, DateTime? CompletedAt,
    string StepUp, string? Language = null);

/// <summary>
/// A placed field. <c>Label</c>: the sender's words for it (null: named after its kind); <c>FillSigningDate</c>: a date the
/// signing fills in; <c>Settings</c>: what its kind takes (bounds, options, a condition), null when nothing. On a signing
/// link, an unsigned <c>email</c> or <c>name</c> field's <c>Value</c> is the recipient's own, offered to edit.
/// </summary>
public sealed record FieldView(string Id, string RecipientId, string Kind, int Page, double X, double Y, double Width, double Height, bool Required, string? Value,
    string? Label = null, bool FillSigningDate = false, FieldSettings? Settings = null, AttachmentView? Attachment = null);

/// <summary>
/// The file a signer uploaded for an <c>attachment</c> field (docs/fields.md, "Attachments"): its file name, type (by its
/// bytes: <c>application/pdf</c>, <c>image/png</c> or <c>image/jpeg</c>), size and SHA-256, which the certificate of
/// completion lists so the sealed PDF binds it.
/// </summary>
public sealed record AttachmentView(string FileName, string ContentType, long Bytes, string Sha256);

/// <summary>What an attachment may be: at most <see cref="MaxBytes"/> (10 MiB) of PDF, PNG or JPEG; both tiers refuse more.</summary>
public static class Attachments
{
    public const long MaxBytes = 10L * 1024 * 1024;

    public const string Pdf = "application/pdf";
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
}

/// <summary>
/// A field's kind-specific settings (docs/fields.md): <c>number</c> takes <c>Min</c>, <c>Max</c> and <c>Decimals</c> (digits after
/// the point, 0-6, default 0); <c>dropdown</c> and <c>radio</c> take <c>Options</c> (1-50, each 1-200 characters, no two alike);
/// every kind the signer fills in may take a <c>Condition</c>. A <c>number</c> field may take a <c>Name</c> by which formulas
/// name it (<c>{quantity}</c>); a <c>formula</c> field takes its <c>Formula</c> and <c>Decimals</c> (docs/fields.md "Formulas").
/// </summary>
public sealed record FieldSettings(decimal? Min = null, decimal? Max = null, int? Decimals = null, IReadOnlyList<string>? Options = null,
    FieldCondition? Condition = null, string? Name = null, string? Formula = null);

/// <summary>Show (and require) the field only while the recipient's field <c>Field</c> holds <c>Equals</c>: <c>"true"</c> for a ticked checkbox, an option for a dropdown or radio group.</summary>
public sealed record FieldCondition(string? Field, [property: System.Text.Json.Serialization.JsonPropertyName("equals")] string? Value);

public sealed record DocumentView(string Id, string Title, string Status, string Source, int PageCount, IReadOnlyList<PageView> Pages,
    string OriginalSha256, PricingTotals? Pricing, DateTime CreatedAt, DateTime? SentAt, DateTime? ExpiresAt, DateTime? CompletedAt,
    DateTime? VoidedAt, DateTime? DeclinedAt, string? DeclineReason, int? RemindEveryDays, IReadOnlyList<RecipientView> Recipients, IReadOnlyList<FieldView> Fields,
    PaymentView? Payment = null, string? Language = null);

/// <param name="Actor">Who did it, in words: a recipient's name, the sender's name ("the sender" when an API token sent it), or "Sigill".</param>
/// <param name="Description">The action in plain words (<see cref="DocumentActivity.Describe"/>); <paramref name="Action"/> and <paramref name="EventId"/> are its audit reference.</param>
public sealed record ActivityEntry(string EventId, string Action, string? RecipientId, DateTime OccurredAt, string Actor, string Description);

/// <param name="Language">The language of the template's main body (<see cref="Languages"/>).</param>
/// <param name="Translations">The languages the template has a translated body in, besides its main one.</param>
public sealed record TemplateSummary(string Id, string Name, IReadOnlyList<string> Variables, DateTime CreatedAt, DateTime? UpdatedAt,
    string Language = Languages.English, IReadOnlyList<string>? Translations = null);

/// <param name="Language">The language of <paramref name="Body"/>, the main body (<see cref="Languages"/>).</param>
/// <param name="Translations">Translated bodies by language code; a document in a language without one takes the main body.</param>
public sealed record TemplateView(string Id, string Name, string Body, IReadOnlyList<string> Variables, DateTime CreatedAt, DateTime? UpdatedAt = null,
    string Language = Languages.English, IReadOnlyDictionary<string, TemplateTranslation>? Translations = null);

/// <summary>A template's body in one more language: its own Liquid and, optionally, its own name (the default title of documents in that language).</summary>
public sealed record TemplateTranslation(string? Title, string Body);

public sealed record BlockView(string Id, string Name, string Body, DateTime CreatedAt);

public sealed record PricingItem(string Description, decimal Quantity, decimal UnitPrice, decimal DiscountPercent = 0, decimal TaxPercent = 0);

public sealed record PricingInput(string Currency, IReadOnlyList<PricingItem> Items)
{
    /// <summary>The most line items a pricing table may have (the API refuses more; the web tier's form offers no more).</summary>
    public const int MaxItems = 500;
}

/// <summary>Totals as computed (decimal, rounded half away from zero to cents per line), shown in the PDF and stored.</summary>
public sealed record PricingTotals(string Currency, decimal Subtotal, decimal Discount, decimal Tax, decimal Total);
