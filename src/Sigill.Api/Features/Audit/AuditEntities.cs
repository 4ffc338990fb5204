using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.Audit;

/// <summary>
/// One audit event in its cell's append-only log (docs/formats/audit-log.md, docs/adr/0003-audit-log.md).
/// Inserted by <see cref="AuditRecorder"/> in the caller's transaction with <see cref="LeafIndex"/> null;
/// the sequencer later gives it the next leaf index and a <see cref="PositionSeal"/>.
/// Only <see cref="Sealed"/> holds the event's content (actor, target, IP, details) and its salt,
/// encrypted under the organization key; the plain columns are routing and index data that
/// <c>audit verify</c> checks against the decrypted content.
/// </summary>
public sealed class AuditEvent
{
    public required string Id { get; init; }

    /// <summary>The organization the event belongs to; null for cell-level events (encrypted under the cell's pseudo-organization).</summary>
    public string? OrganizationId { get; init; }

    public required string Action { get; init; }

    public DateTime OccurredAt { get; init; }

    /// <summary>Sealed record (purpose <c>audit.event</c>, docs/formats/encrypted-object.md): 32-byte salt followed by the canonical event JSON.</summary>
    public required byte[] Sealed { get; init; }

    /// <summary>The 32-byte leaf commitment, SHA-256("sigill-audit-leaf-v1\n" || salt || SHA-256(canonical JSON)).</summary>
    public required byte[] Commitment { get; init; }

    /// <summary>The leaf index, once sequenced.</summary>
    public long? LeafIndex { get; set; }

    /// <summary>HMAC by the sequencer binding (leaf index, event id, commitment): a moved, inserted or re-pointed row fails it.</summary>
    public byte[]? PositionSeal { get; set; }
}

/// <summary>A signed checkpoint (C2SP signed note) the sequencer issued; one per tree size.</summary>
public sealed class AuditCheckpoint
{
    public long TreeSize { get; init; }
    public required string Note { get; init; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>The region's log key: origin, public verifier key and the Ed25519 seed encrypted under the cell's key management.</summary>
public sealed class AuditLogKey
{
    public required string Region { get; init; }
    public required string Origin { get; init; }
    public required string VerifierKey { get; init; }
    public required byte[] SealedSeed { get; init; }
    public DateTime CreatedAt { get; init; }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("audit_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasMaxLength(64);
        builder.Property(e => e.OrganizationId).HasMaxLength(64);
        builder.Property(e => e.Action).HasMaxLength(100);
        builder.Property(e => e.Commitment).HasMaxLength(32);
        builder.Property(e => e.PositionSeal).HasMaxLength(32);
        // Unique: two rows can never claim one leaf. NULLs (not yet sequenced) do not collide.
        builder.HasIndex(e => e.LeafIndex).IsUnique();
        builder.HasIndex(e => new { e.OrganizationId, e.LeafIndex });
        // The sequencer's query (LeafIndex IS NULL ORDER BY OccurredAt, Id LIMIT batch) walks this index instead of
        // sorting the whole backlog on every pass.
        builder.HasIndex(e => new { e.LeafIndex, e.OccurredAt, e.Id });
        // No foreign key to organizations: history outlives the rows it describes.
    }
}

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> builder)
    {
        builder.ToTable("audit_checkpoints");
        builder.HasKey(c => c.TreeSize);
        builder.Property(c => c.TreeSize).ValueGeneratedNever();
        builder.Property(c => c.Note).HasMaxLength(4000);
    }
}

internal sealed class AuditLogKeyConfiguration : IEntityTypeConfiguration<AuditLogKey>
{
    public void Configure(EntityTypeBuilder<AuditLogKey> builder)
    {
        builder.ToTable("audit_log_keys");
        builder.HasKey(k => k.Region);
        builder.Property(k => k.Region).HasMaxLength(16);
        builder.Property(k => k.Origin).HasMaxLength(300);
        builder.Property(k => k.VerifierKey).HasMaxLength(400);
    }
}
