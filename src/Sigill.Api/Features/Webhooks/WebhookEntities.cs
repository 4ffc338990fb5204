using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.Webhooks;

/// <summary>
/// An organization's webhook endpoint. The URL (it may carry a token of the receiver's) and the signing
/// secret are field tokens under the organization's key; the secret is shown once, at creation.
/// </summary>
public sealed class WebhookSubscription
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string UrlToken { get; init; }
    public required string SecretToken { get; init; }
    /// <summary>Event types, space-separated; <c>*</c> for all.</summary>
    public required string Events { get; init; }
    public DateTime CreatedAt { get; init; }

    public const string UrlPurpose = "webhook.url";
    public const string SecretPurpose = "webhook.secret";

    public bool Wants(string type) => Events == "*" || Events.Split(' ').Contains(type, StringComparer.Ordinal);
}

/// <summary>
/// One event for one endpoint: the delivery log. Its id is the <c>webhook-id</c> header, the same on every
/// retry, so receivers can de-duplicate. The body is rebuilt from these columns (identifiers only), so every
/// attempt signs the same bytes.
/// </summary>
public sealed class WebhookDelivery
{
    public required string Id { get; init; }
    public required string SubscriptionId { get; init; }
    public required string OrganizationId { get; init; }
    public required string EventType { get; init; }
    public required string DocumentId { get; init; }
    public required string DocumentStatus { get; init; }
    public string? RecipientId { get; init; }
    public DateTime OccurredAt { get; init; }
    /// <summary>pending, retrying, succeeded, dead (attempts used up), refused (target address not allowed) or cancelled (endpoint deleted).</summary>
    public required string Status { get; set; }
    public int Attempts { get; set; }
    public int? LastStatusCode { get; set; }
    /// <summary>What went wrong, written by Sigill (never the receiver's response text).</summary>
    public string? LastError { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
}

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> builder)
    {
        builder.ToTable("webhook_subscriptions");
        builder.HasKey(w => w.Id);
        builder.Property(w => w.Id).HasMaxLength(64);
        builder.Property(w => w.OrganizationId).HasMaxLength(64);
        builder.Property(w => w.Events).HasMaxLength(1000);
        builder.HasIndex(w => w.OrganizationId);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("webhook_deliveries");
        builder.HasKey(w => w.Id);
        builder.Property(w => w.Id).HasMaxLength(64);
        builder.Property(w => w.SubscriptionId).HasMaxLength(64);
        builder.Property(w => w.OrganizationId).HasMaxLength(64);
        builder.Property(w => w.EventType).HasMaxLength(64);
        builder.Property(w => w.DocumentId).HasMaxLength(64);
        builder.Property(w => w.DocumentStatus).HasMaxLength(16);
        builder.Property(w => w.RecipientId).HasMaxLength(64);
        builder.Property(w => w.Status).HasMaxLength(16);
        builder.Property(w => w.LastError).HasMaxLength(300);
        builder.HasIndex(w => new { w.SubscriptionId, w.OccurredAt });
    }
}
