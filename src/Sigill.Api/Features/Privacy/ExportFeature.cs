using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;
using Sigill.Crypto;

namespace Sigill.Api.Features.Privacy;

/// <summary>Data-subject exports: their settings and the job that deletes an expired package. Endpoints: <see cref="ExportEndpoints.MapPrivacyExports"/>.</summary>
public static class ExportFeature
{
    public static IServiceCollection AddPrivacyExports(this IServiceCollection services)
    {
        services.AddSigillOptions<ExportOptions>("Privacy:Export");
        services.AddSingleton<IJobHandler, ExpireExportJob>();
        return services;
    }

    public static ObjectContext ObjectOf(Cell cell, string organizationId, string exportId) =>
        new(cell.Region, organizationId, exportId, 1, PrivacyExport.ObjectPurpose);
}

/// <summary>
/// Section <c>Privacy:Export</c>. A package is kept <see cref="ExpiryDays"/> days, then deleted. One export reads at most
/// <see cref="MaxDocuments"/> documents (their PDFs are decrypted and zipped in the request): a person on more documents
/// gets <c>privacy_export_too_large</c>, never a partial package that looks complete.
/// </summary>
public sealed class ExportOptions : IValidatedOptions
{
    public int ExpiryDays { get; set; } = 7;

    public int MaxDocuments { get; set; } = 200;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ExpiryDays is < 1 or > 30) problems.Add("Privacy:Export:ExpiryDays must be 1-30");
        if (MaxDocuments is < 1 or > SubjectSearch.MaxEntries) problems.Add($"Privacy:Export:MaxDocuments must be 1-{SubjectSearch.MaxEntries}");
        return problems;
    }
}

/// <summary>
/// Deletes one export package once it expired: the encrypted object first, then the row, with an audit event. Idempotent:
/// a run after a crash between the two finds the object gone and deletes the row; a run for a row already gone does nothing.
/// </summary>
internal sealed class ExpireExportJob : IJobHandler
{
    public const string JobKind = "privacy.export_expire";

    public string Kind => JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var id = job.PayloadText;
        if (!SigillId.TryParse(id, ExportEndpoints.IdKind, out var region) || region != job.Cell.Region)
        {
            throw new JobFailedException("payload is not an export of this cell");
        }
        await using var db = job.Cell.CreateDbContext();
        var export = await db.PrivacyExports.SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (export is null) return;
        var now = job.Time.GetUtcNow().UtcDateTime;
        if (export.ExpiresAt > now) throw new JobFailedException("the export is not due to expire yet"); // a clock behind the database's: try later
        await job.Cell.Objects.DeleteAsync(ExportFeature.ObjectOf(job.Cell, export.OrganizationId, export.Id), cancellationToken);
        db.PrivacyExports.Remove(export);
        await AuditRecorder.RecordAsync(db, job.Cell, new AuditEventData("privacy.export_deleted", export.OrganizationId, AuditActor.System, export.Id), now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }
}
