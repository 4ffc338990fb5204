using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Pdf;
using Sigill.Api.Features.Signing;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;

namespace Sigill.Api.Features.Timestamps;

/// <summary>What one renewal pass did.</summary>
public sealed record RenewalResult(int Examined, int Renewed, IReadOnlyList<string> Failures);

/// <summary>
/// The archive re-timestamp (PAdES B-LTA renewal): a completed document whose newest document timestamp's TSA
/// certificate expires within <see cref="TimestampOptions.RenewBeforeExpiryDays"/> (or every one asked for) gets the
/// validation data of its timestamps and a fresh document timestamp as a new incremental revision. The new revision
/// is written as a new object first and becomes current only in the commit that also records
/// <c>document.timestamp_renewed</c>, so a pass killed midway leaves each file unchanged or fully renewed.
/// </summary>
public static class ArchiveRenewal
{
    public static async Task<RenewalResult> RunAsync(Cell cell, SigningKeys keys, TimestampOptions options, TimeProvider time, string? documentId, bool all,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var tsa = await keys.TimestampAuthorityAsync(cell, ct) ?? throw new InvalidOperationException("no TSA is configured (Timestamps:Servers or Timestamps:BuiltIn)");
        var roots = await keys.TimestampRootsAsync(cell, ct);
        List<string> ids;
        await using (var db = cell.CreateDbContext())
        {
            ids = await db.Documents.AsNoTracking().Where(d => d.Status == DocumentStates.Completed && (documentId == null || d.Id == documentId))
                .OrderBy(d => d.Id).Select(d => d.Id).ToListAsync(ct);
        }
        var (renewed, failures) = (0, new List<string>());
        var horizon = time.GetUtcNow().AddDays(options.RenewBeforeExpiryDays);
        foreach (var id in ids)
        {
            await using var db = cell.CreateDbContext();
            var d = await db.Documents.SingleAsync(x => x.Id == id, ct);
            var pdf = await DocumentWorkflow.ReadPdfAsync(cell, d, ct);
            var expiry = NewestArchiveTimestampExpiry(pdf, roots);
            if (!all && documentId is null && expiry is { } notAfter && notAfter > horizon) continue;
            byte[] renewedPdf;
            try
            {
                renewedPdf = (await keys.ExtendAsync(cell, pdf, tsa, ct)).Pdf;
            }
            catch (Pdf.Timestamps.TimestampException e)
            {
                failures.Add($"{id}: {e.Message}");
                continue;
            }
            var objectId = await DocumentWorkflow.WritePdfAsync(cell, d.OrganizationId, renewedPdf, ct);
            d.CurrentPdfObjectId = objectId;
            d.Revision++;
            var now = time.GetUtcNow().UtcDateTime;
            await DocumentWorkflow.RecordAsync(db, cell, d, "document.timestamp_renewed", AuditActor.System, now, ct, null,
                new Dictionary<string, string> { ["previousExpiry"] = expiry?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "none" });
            try
            {
                await db.SaveChangesAsync(ct);
                renewed++;
            }
            catch
            {
                await DocumentWorkflow.DeletePdfAsync(cell, d.OrganizationId, objectId);
                throw;
            }
        }
        return new RenewalResult(ids.Count, renewed, failures);
    }

    /// <summary>When the TSA certificate of the file's newest document timestamp expires; null when it has none.</summary>
    public static DateTimeOffset? NewestArchiveTimestampExpiry(byte[] pdf, System.Security.Cryptography.X509Certificates.X509Certificate2Collection roots)
    {
        var report = PdfSignatureVerifier.Verify(pdf, roots, roots);
        return report.Signatures.LastOrDefault(s => s.Kind == "document timestamp") is { } last ? last.TimestampCertificateNotAfter : null;
    }
}
