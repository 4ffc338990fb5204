using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.BulkSend;

/// <summary>
/// A bulk send: one document per row of an uploaded CSV, made from a template and sent by the <c>bulk.send</c> job, a
/// chunk of rows per job run. The file is kept encrypted in the cell's object store (<see cref="FileObjectId"/>) until the
/// bulk send ends; the settings (default title, message, expiry, reminders) are a field token. <see cref="NextRow"/> is the
/// cursor of the job; <see cref="BulkSendRow"/> records what became of each row, so a job run again never makes a
/// row's document twice.
/// </summary>
public sealed class BulkSend
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string TemplateId { get; init; }
    public string? CreatedByUserId { get; init; }
    /// <summary>Who the per-document audit events name (the creator's actor id).</summary>
    public required string ActorId { get; init; }
    public string? ActorIp { get; init; }
    public required string Status { get; set; }
    public string? FileObjectId { get; set; }
    public required string FileSha256 { get; init; }
    public required string SettingsToken { get; init; }
    /// <summary>Data rows in the file, and how many of them passed the checks when it was uploaded.</summary>
    public int TotalRows { get; init; }
    public int ValidRows { get; init; }
    /// <summary>The first data row (1-based) the job has not handled yet.</summary>
    public int NextRow { get; set; } = 1;
    public DateTime CreatedAt { get; init; }
    public DateTime? FinishedAt { get; set; }

    public const string SettingsPurpose = "bulk-send.settings";
    public const string FilePurpose = "bulk-send.file";
}

/// <summary>What became of one data row: <c>sent</c> (with its document) or <c>skipped</c> (with the reasons, which never quote a cell).</summary>
public sealed class BulkSendRow
{
    public required string BulkSendId { get; init; }
    public int Row { get; init; }
    public required string Status { get; init; }
    public string? DocumentId { get; init; }
    public string? Error { get; init; }
}

public static class BulkSendStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";

    public const string RowSent = "sent";
    public const string RowSkipped = "skipped";

    public static bool IsOpen(string status) => status is Queued or Running;
}

internal sealed class BulkSendConfiguration : IEntityTypeConfiguration<BulkSend>
{
    public void Configure(EntityTypeBuilder<BulkSend> builder)
    {
        builder.ToTable("bulk_sends");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).HasMaxLength(64);
        builder.Property(b => b.OrganizationId).HasMaxLength(64);
        builder.Property(b => b.TemplateId).HasMaxLength(64);
        builder.Property(b => b.CreatedByUserId).HasMaxLength(64);
        builder.Property(b => b.ActorId).HasMaxLength(128);
        builder.Property(b => b.ActorIp).HasMaxLength(64);
        builder.Property(b => b.Status).HasMaxLength(16);
        builder.Property(b => b.FileObjectId).HasMaxLength(64);
        builder.Property(b => b.FileSha256).HasMaxLength(64);
        builder.HasIndex(b => new { b.OrganizationId, b.CreatedAt });
    }
}

internal sealed class BulkSendRowConfiguration : IEntityTypeConfiguration<BulkSendRow>
{
    public void Configure(EntityTypeBuilder<BulkSendRow> builder)
    {
        builder.ToTable("bulk_send_rows");
        builder.HasKey(r => new { r.BulkSendId, r.Row }); // one outcome per row: a second attempt at a row fails to commit
        builder.Property(r => r.BulkSendId).HasMaxLength(64);
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.Property(r => r.DocumentId).HasMaxLength(64);
        builder.Property(r => r.Error).HasMaxLength(1000);
    }
}

/// <summary>This feature's tables on a cell's context.</summary>
public static class BulkSendData
{
    extension(CellDbContext db)
    {
        public DbSet<BulkSend> BulkSends => db.Set<BulkSend>();
        public DbSet<BulkSendRow> BulkSendRows => db.Set<BulkSendRow>();
    }
}
