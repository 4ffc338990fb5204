namespace Sigill.Contracts;

// Payments: an organization's processor account (/api/v1/organization/payments), a document's payment
// (/api/v1/documents/{id}/payment) and the payer's page (/api/v1/pay/{token}).

/// <summary>
/// A document's payment as the sender sees it. <c>Status</c>: required, awaiting, paid, paid_outside, cancelled.
/// <c>Refunded</c> is the total refunded so far; <c>RefundState</c>: none, partial or full. Card details are only what the
/// processor reports: brand and last four digits.
/// </summary>
public sealed record PaymentView(string Status, string PayerRecipientId, string Processor, decimal Amount, string Currency, string? Reference,
    string? CardBrand, string? CardLast4, DateTime? PaidAt, decimal Refunded, string RefundState, string? DisputeStatus, string? OutsideReason);

/// <summary>The organization's processor connection. The key and the signing secret are never shown again; <c>Mode</c> is test or live.</summary>
/// <param name="WebhookUrl">The address to register as the processor's webhook endpoint (absolute, under the installation's public address).</param>
/// <param name="WebhookSecretSet">Whether the processor's signing secret for that address was given (events are refused until it is).</param>
public sealed record PaymentAccountView(bool Connected, string? Processor, string? Mode, DateTime? ConnectedAt, string? WebhookUrl, bool WebhookSecretSet = false);

/// <summary>What the payer's page shows. <c>Status</c> is the payment's (<see cref="PaymentView"/>).</summary>
public sealed record PaymentPageView(string DocumentId, string Title, string OrganizationName, decimal Amount, string Currency, string Status,
    string DocumentStatus, DateTime? PaidAt, string? CardBrand, string? CardLast4);

/// <summary>Where to send the payer: the processor's hosted checkout page.</summary>
public sealed record CheckoutLink(string Url);
