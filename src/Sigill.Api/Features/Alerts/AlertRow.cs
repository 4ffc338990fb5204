using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.Alerts;

/// <summary>
/// One alert in a cell's <c>alerts</c> table. <see cref="OpenKey"/> (<c>rule|subject</c>) is set while the alert is
/// open and unique, so every API node agrees on one alert per condition; it is cleared when the alert resolves.
/// <see cref="Version"/> is a concurrency token: of two nodes evaluating at once, one commits each transition.
/// Summaries name regions, queues, counts and safe job errors only — never customer data.
/// </summary>
public sealed class AlertRow
{
    public required string Id { get; init; }
    public required string Rule { get; init; }
    public required string Subject { get; init; }
    public string? OpenKey { get; set; }
    public required string Summary { get; set; }
    public DateTime FiredAt { get; init; }
    public DateTime LastNotifiedAt { get; set; }
    public int Notifications { get; set; }
    public DateTime? EscalatedAt { get; set; }
    public DateTime? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public int Version { get; set; }

    public string State => ResolvedAt is not null ? "resolved" : AcknowledgedAt is not null ? "acknowledged" : "firing";
}

internal sealed class AlertRowConfiguration : IEntityTypeConfiguration<AlertRow>
{
    public void Configure(EntityTypeBuilder<AlertRow> builder)
    {
        builder.ToTable("alerts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasMaxLength(64);
        builder.Property(a => a.Rule).HasMaxLength(64);
        builder.Property(a => a.Subject).HasMaxLength(200);
        builder.Property(a => a.OpenKey).HasMaxLength(270);
        builder.Property(a => a.Summary).HasMaxLength(1000);
        builder.Property(a => a.AcknowledgedBy).HasMaxLength(100);
        builder.Property(a => a.Version).IsConcurrencyToken();
        builder.Ignore(a => a.State);
        builder.HasIndex(a => a.OpenKey).IsUnique();
        builder.HasIndex(a => a.FiredAt);
    }
}
