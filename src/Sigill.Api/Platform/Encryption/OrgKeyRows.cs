using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Platform.Encryption;

/// <summary>A wrapped organization key (see docs/adr/0002-key-hierarchy.md). Useless without the cell's key provider.</summary>
public sealed class OrgKeyRow
{
    public required string OrganizationId { get; init; }
    public int Kind { get; init; }
    public int Version { get; init; }
    public required string RootKeyId { get; set; }
    public required string ErasureKeyId { get; init; }
    public required byte[] WrappedKey { get; set; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>Uses reserved per content-key version, enforcing the AES-GCM usage bound across restarts and nodes.</summary>
public sealed class OrgKeyUsageRow
{
    public required string OrganizationId { get; init; }
    public int Version { get; init; }
    public long Uses { get; set; }
}

/// <summary>A crypto-shredding request: pending until due, then executed; kept afterwards as evidence.</summary>
public sealed class ShredRequestRow
{
    public required string OrganizationId { get; init; }
    public DateTime RequestedAt { get; set; }
    public DateTime DueAt { get; set; }
    public DateTime? ExecutedAt { get; set; }
}

internal sealed class OrgKeyRowConfiguration : IEntityTypeConfiguration<OrgKeyRow>, IEntityTypeConfiguration<OrgKeyUsageRow>, IEntityTypeConfiguration<ShredRequestRow>
{
    public void Configure(EntityTypeBuilder<OrgKeyRow> builder)
    {
        builder.ToTable("org_keys");
        builder.HasKey(k => new { k.OrganizationId, k.Kind, k.Version });
        builder.Property(k => k.OrganizationId).HasMaxLength(64);
        builder.Property(k => k.RootKeyId).HasMaxLength(200);
        builder.Property(k => k.ErasureKeyId).HasMaxLength(200);
    }

    public void Configure(EntityTypeBuilder<OrgKeyUsageRow> builder)
    {
        builder.ToTable("org_key_usage");
        builder.HasKey(u => new { u.OrganizationId, u.Version });
        builder.Property(u => u.OrganizationId).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<ShredRequestRow> builder)
    {
        builder.ToTable("shred_requests");
        builder.HasKey(s => s.OrganizationId);
        builder.Property(s => s.OrganizationId).HasMaxLength(64);
        builder.HasIndex(s => s.DueAt);
    }
}
