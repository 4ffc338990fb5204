namespace Sigill.Contracts;

// Documents (/api/v1/documents) and templates (/api/v1/templates, /api/v1/blocks).

public sealed record DocumentSummary(string Id, string Title, string Status, DateTime CreatedAt);

public sealed record PageView(int Page, double Width, double Height);

public sealed record RecipientView(string Id, string Name, string Email, string Role, int SigningOrder, string Status,
    DateTime? NotifiedAt, DateTime? ConsentedAt, DateTime? FirstViewedAt, DateTime? LastViewedAt, int ViewCount, string? ViewedSha256, DateTime? CompletedAt,
    string StepUp);

public sealed record FieldView(string Id, string RecipientId, string Kind, int Page, double X, double Y, double Width, double Height, bool Required, string? Value);

public sealed record DocumentView(string Id, string Title, string Status, string Source, int PageCount, IReadOnlyList<PageView> Pages,
    string OriginalSha256, PricingTotals? Pricing, DateTime CreatedAt, DateTime? SentAt, DateTime? ExpiresAt, DateTime? CompletedAt,
    DateTime? VoidedAt, DateTime? DeclinedAt, string? DeclineReason, int? RemindEveryDays, IReadOnlyList<RecipientView> Recipients, IReadOnlyList<FieldView> Fields);

public sealed record ActivityEntry(string EventId, string Action, string? RecipientId, DateTime OccurredAt);

public sealed record TemplateSummary(string Id, string Name, IReadOnlyList<string> Variables, DateTime CreatedAt, DateTime? UpdatedAt);

public sealed record TemplateView(string Id, string Name, string Body, IReadOnlyList<string> Variables, DateTime CreatedAt, DateTime? UpdatedAt = null);

public sealed record BlockView(string Id, string Name, string Body, DateTime CreatedAt);

public sealed record PricingItem(string Description, decimal Quantity, decimal UnitPrice, decimal DiscountPercent = 0, decimal TaxPercent = 0);

public sealed record PricingInput(string Currency, IReadOnlyList<PricingItem> Items);

/// <summary>Totals as computed (decimal, rounded half away from zero to cents per line), shown in the PDF and stored.</summary>
public sealed record PricingTotals(string Currency, decimal Subtotal, decimal Discount, decimal Tax, decimal Total);
