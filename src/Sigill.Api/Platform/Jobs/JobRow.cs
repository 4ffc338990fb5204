using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Platform.Jobs;

public enum JobState
{
    Queued = 0,
    Running = 1,
    Succeeded = 2,
    DeadLettered = 3,
}

/// <summary>
/// One durable job in a cell's <c>jobs</c> table. <see cref="RunAfter"/> and <see cref="LockedUntil"/> are Unix
/// milliseconds rather than <see cref="DateTime"/>s on purpose: the claim is raw SQL on both providers, and integers
/// compare the same way on SQLite (where EF stores dates as text) and PostgreSQL.
/// </summary>
public sealed class JobRow
{
    public required string Id { get; init; }
    public required string Kind { get; init; }

    /// <summary>Unique: a second enqueue with the same key is a no-op (see <see cref="JobQueue.EnqueueAsync"/>).</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>When set, <see cref="Payload"/> is sealed under this organization's key (purpose <c>job.payload</c>).</summary>
    public string? OrganizationId { get; init; }

    public byte[]? Payload { get; set; }
    public JobState State { get; set; }
    public int Attempts { get; set; }
    public int MaxAttempts { get; init; }
    public long RunAfter { get; set; }
    public string? LockedBy { get; set; }
    public long? LockedUntil { get; set; }

    /// <summary>The failure's exception type and, for <see cref="JobFailedException"/>, its message. Never other exception text (it may carry personal data).</summary>
    public string? LastError { get; set; }

    public DateTime CreatedAt { get; init; }
    public DateTime? CompletedAt { get; set; }
    public bool DeadLettered { get; set; }
}

internal sealed class JobRowConfiguration : IEntityTypeConfiguration<JobRow>
{
    public void Configure(EntityTypeBuilder<JobRow> builder)
    {
        builder.ToTable("jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Id).HasMaxLength(64);
        builder.Property(j => j.Kind).HasMaxLength(100);
        builder.Property(j => j.IdempotencyKey).HasMaxLength(200);
        builder.Property(j => j.OrganizationId).HasMaxLength(64);
        builder.Property(j => j.LockedBy).HasMaxLength(200);
        builder.Property(j => j.LastError).HasMaxLength(1000);
        builder.HasIndex(j => j.IdempotencyKey).IsUnique();
        builder.HasIndex(j => new { j.State, j.RunAfter });
    }
}
