using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// One data-subject export package (docs/formats/privacy-export.md): a ZIP stored as one encrypted object under the
/// organization's key (purpose <see cref="ObjectPurpose"/>, object id = <see cref="Id"/>) until <see cref="ExpiresAt"/>,
/// when the <c>privacy.export_expire</c> job deletes the object and this row. The row holds no personal data: who the
/// export is about is inside the encrypted package only.
/// </summary>
public sealed class PrivacyExport
{
    public const string ObjectPurpose = "privacy.export";

    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    /// <summary>Who asked (the actor id: a user or an API token).</summary>
    public required string RequestedBy { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
    public int RecipientEntries { get; init; }
    public int Pdfs { get; init; }
    public long Bytes { get; init; }
}

internal sealed class PrivacyExportConfiguration : IEntityTypeConfiguration<PrivacyExport>
{
    public void Configure(EntityTypeBuilder<PrivacyExport> builder)
    {
        builder.ToTable("privacy_exports");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasMaxLength(64);
        builder.Property(e => e.OrganizationId).HasMaxLength(64);
        builder.Property(e => e.RequestedBy).HasMaxLength(64);
        builder.HasIndex(e => new { e.OrganizationId, e.CreatedAt });
        builder.HasOne<Organizations.Organization>().WithMany().HasForeignKey(e => e.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>This feature's table on a cell's context (<c>db.PrivacyExports</c>).</summary>
public static class PrivacyExportsData
{
    extension(CellDbContext db)
    {
        public DbSet<PrivacyExport> PrivacyExports => db.Set<PrivacyExport>();
    }
}
