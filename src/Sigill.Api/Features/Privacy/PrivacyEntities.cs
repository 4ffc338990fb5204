using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// A legal hold (ADR 0016): while it is not released, nothing it covers may be deleted by any path (<see cref="DeletionGate"/>).
/// It covers one document (<see cref="DocumentId"/>), one person (<see cref="EmailIndex"/>, the recipients' e-mail blind
/// index, so the address itself is not stored again) or, with neither, the whole organization.
/// </summary>
public sealed class LegalHold
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }

    /// <summary><c>document</c>, <c>person</c> or <c>organization</c>.</summary>
    public required string Scope { get; init; }
    public string? DocumentId { get; init; }
    public string? EmailIndex { get; init; }

    /// <summary>Why (a case number, a litigation), encrypted under the organization key (purpose <see cref="ReasonPurpose"/>).</summary>
    public required string ReasonToken { get; init; }
    public required string SetBy { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? ReleasedAt { get; set; }
    public string? ReleasedBy { get; set; }

    public const string ReasonPurpose = "privacy.hold-reason";
}

/// <summary>An erasure journal entry this cell's database has applied (<see cref="ErasureJournal"/>): its id and when.</summary>
public sealed class ErasureApplied
{
    public required string Id { get; init; }
    public DateTime AppliedAt { get; init; }
}

internal sealed class LegalHoldConfiguration : IEntityTypeConfiguration<LegalHold>
{
    public void Configure(EntityTypeBuilder<LegalHold> builder)
    {
        builder.ToTable("privacy_legal_holds");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.Id).HasMaxLength(64);
        builder.Property(h => h.OrganizationId).HasMaxLength(64);
        builder.Property(h => h.Scope).HasMaxLength(16);
        builder.Property(h => h.DocumentId).HasMaxLength(64);
        builder.Property(h => h.EmailIndex).HasMaxLength(64);
        builder.Property(h => h.ReasonToken).HasMaxLength(4000);
        builder.Property(h => h.SetBy).HasMaxLength(128);
        builder.Property(h => h.ReleasedBy).HasMaxLength(128);
        builder.HasIndex(h => new { h.OrganizationId, h.ReleasedAt });
    }
}

internal sealed class ErasureAppliedConfiguration : IEntityTypeConfiguration<ErasureApplied>
{
    public void Configure(EntityTypeBuilder<ErasureApplied> builder)
    {
        builder.ToTable("privacy_erasures_applied");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasMaxLength(64);
    }
}
