using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.Payments;

/// <summary>
/// An organization's connection to its payment processor (Stripe): its API key and its webhook signing secret, both
/// field tokens under the organization's key, written once and never shown again. <see cref="PublicId"/> names the
/// webhook address (<c>/api/v1/payments/stripe/{PublicId}/events</c>) and carries the region, so the web tier routes it.
/// </summary>
public sealed class PaymentAccount
{
    public required string OrganizationId { get; init; }
    public required string PublicId { get; init; }
    public required string Processor { get; init; }
    public required string ApiKeyToken { get; set; }
    /// <summary>Stripe's signing secret for the webhook address; null until the admin has given it (events are refused until then).</summary>
    public string? WebhookSecretToken { get; set; }
    /// <summary>"test" or "live", read from the key's prefix: the only thing about the key ever shown.</summary>
    public required string Mode { get; set; }
    public DateTime ConnectedAt { get; set; }
    public string? ConnectedBy { get; set; }

    public const string ApiKeyPurpose = "payments.api-key";
    public const string WebhookSecretPurpose = "payments.webhook-secret";
}

/// <summary>
/// The payment a document asks for: who pays, and where it stands. What it is about (amount, currency, the signed
/// revision's hash, card brand and last four, refunds, disputes, a reason for a payment outside Sigill) is one field
/// token, <see cref="DetailsToken"/> (<see cref="PaymentDetails"/>). The processor's references (Checkout Session and
/// PaymentIntent ids) are kept in clear: they identify objects in the organization's own processor account, hold no
/// customer content, and let an event find its document.
/// </summary>
public sealed class DocumentPayment
{
    public required string DocumentId { get; init; }
    public required string OrganizationId { get; init; }
    public required string PayerRecipientId { get; set; }
    public required string Processor { get; init; }
    /// <summary><see cref="PaymentStates"/>.</summary>
    public required string Status { get; set; }
    public string? DetailsToken { get; set; }
    public string? CheckoutSessionId { get; set; }
    public string? PaymentIntentId { get; set; }
    /// <summary>SHA-256 of the payer's payment link (<c>sgpay_{region}_…</c>); the token itself is only in their e-mail.</summary>
    public byte[]? LinkHash { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime? PaidAt { get; set; }
    /// <summary>Optimistic concurrency: a webhook, the payer's return and the sender never overwrite each other.</summary>
    public int Revision { get; set; }

    public const string DetailsPurpose = "document.payment";
}

/// <summary>A processor event accepted once: the row and its job commit together, so a replay finds the row and does nothing.</summary>
public sealed class PaymentEventRow
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string ProcessorEventId { get; init; }
    public required string Type { get; init; }
    public string? DocumentId { get; init; }
    public DateTime ReceivedAt { get; init; }
}

public static class PaymentStates
{
    /// <summary>Asked for; the document is still out for signature.</summary>
    public const string Required = "required";
    /// <summary>Every signer signed; the document waits for the payer (<c>awaiting_payment</c>).</summary>
    public const string Awaiting = "awaiting";
    public const string Paid = "paid";
    /// <summary>The sender recorded a payment made outside Sigill (bank transfer), with a reason.</summary>
    public const string PaidOutside = "paid_outside";
    /// <summary>The document was voided, declined or expired before it was paid.</summary>
    public const string Cancelled = "cancelled";

    public static bool Settled(string status) => status is Paid or PaidOutside;
}

internal sealed class PaymentAccountConfiguration : IEntityTypeConfiguration<PaymentAccount>
{
    public void Configure(EntityTypeBuilder<PaymentAccount> builder)
    {
        builder.ToTable("payment_accounts");
        builder.HasKey(a => a.OrganizationId);
        builder.Property(a => a.OrganizationId).HasMaxLength(64);
        builder.Property(a => a.PublicId).HasMaxLength(64);
        builder.Property(a => a.Processor).HasMaxLength(16);
        builder.Property(a => a.Mode).HasMaxLength(8);
        builder.Property(a => a.ConnectedBy).HasMaxLength(64);
        builder.HasIndex(a => a.PublicId).IsUnique();
    }
}

internal sealed class DocumentPaymentConfiguration : IEntityTypeConfiguration<DocumentPayment>
{
    public void Configure(EntityTypeBuilder<DocumentPayment> builder)
    {
        builder.ToTable("document_payments");
        builder.HasKey(p => p.DocumentId);
        builder.Property(p => p.DocumentId).HasMaxLength(64);
        builder.Property(p => p.OrganizationId).HasMaxLength(64);
        builder.Property(p => p.PayerRecipientId).HasMaxLength(64);
        builder.Property(p => p.Processor).HasMaxLength(16);
        builder.Property(p => p.Status).HasMaxLength(16);
        builder.Property(p => p.CheckoutSessionId).HasMaxLength(255);
        builder.Property(p => p.PaymentIntentId).HasMaxLength(255);
        builder.Property(p => p.Revision).IsConcurrencyToken();
        builder.HasIndex(p => p.LinkHash).IsUnique();
        builder.HasIndex(p => new { p.OrganizationId, p.PaymentIntentId });
    }
}

internal sealed class PaymentEventConfiguration : IEntityTypeConfiguration<PaymentEventRow>
{
    public void Configure(EntityTypeBuilder<PaymentEventRow> builder)
    {
        builder.ToTable("payment_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasMaxLength(64);
        builder.Property(e => e.OrganizationId).HasMaxLength(64);
        builder.Property(e => e.ProcessorEventId).HasMaxLength(255);
        builder.Property(e => e.Type).HasMaxLength(64);
        builder.Property(e => e.DocumentId).HasMaxLength(64);
        builder.HasIndex(e => new { e.OrganizationId, e.ProcessorEventId }).IsUnique();
    }
}
