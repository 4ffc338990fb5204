using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.SubProcessors;

/// <summary>
/// One published state of a cell's sub-processor register. A version is written when the configuration has a higher
/// <see cref="SubProcessorOptions.Revision"/> than the latest one and differs from it; its number is the primary key, so
/// two API nodes that notice the same change publish it once (the second insert is a unique violation, and its notify
/// job, queued in the same transaction, is rolled back with it).
/// The register and the changes are public information (no customer data): stored as JSON in clear.
/// </summary>
public sealed class SubProcessorVersion
{
    public int Version { get; init; }
    public DateTime PublishedAt { get; init; }
    /// <summary>When this version replaces the one before (the first version: when it was published).</summary>
    public DateTime EffectiveAt { get; init; }
    /// <summary>SHA-256 (hex) of <see cref="RegisterJson"/>, compared with the configuration's.</summary>
    public required string Hash { get; init; }
    /// <summary>The entries for this region, canonical JSON (<see cref="SubProcessorRegister.Canonical"/>).</summary>
    public required string RegisterJson { get; init; }
    /// <summary>What changed from the version before: JSON list of <c>{"name","change"}</c> (added, removed, changed).</summary>
    public required string ChangesJson { get; init; }
    /// <summary>The configured <see cref="SubProcessorOptions.Revision"/> this version was published from (0: before revisions were recorded).</summary>
    public int Revision { get; init; }
}

/// <summary>An organization's acceptance of the register at its creation (the version then in force or announced).</summary>
public sealed class SubProcessorAcceptance
{
    public required string OrganizationId { get; init; }
    public int Version { get; init; }
    public DateTime AcceptedAt { get; init; }
    /// <summary>Who accepted: the new organization's owner (null when created without one, by setup tooling).</summary>
    public string? UserId { get; init; }
}

internal sealed class SubProcessorConfiguration : IEntityTypeConfiguration<SubProcessorVersion>, IEntityTypeConfiguration<SubProcessorAcceptance>
{
    public void Configure(EntityTypeBuilder<SubProcessorVersion> builder)
    {
        builder.ToTable("sub_processor_versions");
        builder.HasKey(v => v.Version);
        builder.Property(v => v.Version).ValueGeneratedNever();
        builder.Property(v => v.Hash).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<SubProcessorAcceptance> builder)
    {
        builder.ToTable("sub_processor_acceptances");
        builder.HasKey(a => a.OrganizationId);
        builder.Property(a => a.OrganizationId).HasMaxLength(64);
        builder.Property(a => a.UserId).HasMaxLength(64);
    }
}
