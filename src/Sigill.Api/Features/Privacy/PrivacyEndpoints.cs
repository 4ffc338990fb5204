using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Directory = Sigill.Api.Features.Accounts.Directory;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Backups;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.SubProcessors;
using Sigill.Api.Features.TrustCenter;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// Privacy tools of an organization (the controller): find one data subject's records. Scope <c>privacy</c>, which owners
/// and admins hold and a token holds only when created with it. The person searched for goes in the body, never the URL,
/// so it reaches no access log.
/// </summary>
public static class PrivacyEndpoints
{
    public static void MapPrivacy(this IEndpointRouteBuilder app)
    {
        var privacy = app.MapGroup("/api/v1/privacy").WithTags("Privacy");
        privacy.MapPost("/search", Search).RequireAuthorization(Policies.Privacy);
        privacy.MapGet("/records-of-processing", RecordsOfProcessingFor).RequireAuthorization(Policies.Privacy);
        app.MapPrivacyExports();
        privacy.MapErasure();
        privacy.MapRetention();
        privacy.MapDpa();
        app.MapPrivacyRequests();
        app.MapPrivacyRequestForm();
    }

    /// <summary>
    /// The organization's records of processing (Article 30) as JSON, or as a PDF with <c>?format=pdf</c>. Installation facts
    /// of its region only; the residency scan is left to <c>sigill privacy ropa</c> (it reads every stored byte).
    /// </summary>
    private static async Task<Results<Ok<RopaDocument>, FileContentHttpResult, ProblemHttpResult>> RecordsOfProcessingFor(string? format, Caller caller,
        SubProcessorOptions subProcessors, BackupOptions backups, DocumentOptions documents, TrustOptions trust, RetentionOptions retention, TimeProvider time, CancellationToken ct)
    {
        if (format is not (null or "json" or "pdf"))
        {
            return Problems.Validation("format must be json or pdf.");
        }
        var records = await RecordsOfProcessing.BuildAsync([caller.Cell], caller.OrganizationId, new RopaSources(subProcessors, backups, documents, trust, retention), null, time.GetUtcNow(), ct);
        return format == "pdf"
            ? TypedResults.File(RecordsOfProcessing.ToPdf(records), "application/pdf", $"records-of-processing-{records.GeneratedAt:yyyy-MM-dd}.pdf")
            : TypedResults.Ok(records);
    }

    private static async Task<Results<Ok<SubjectSearchResult>, ProblemHttpResult>> Search(SubjectSearchRequest request, Caller caller, CellDbContext db,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var email = request.Email?.Trim() is { Length: > 0 } e ? e : null;
        var name = request.Name?.Trim() is { Length: > 0 } n ? n : null;
        if ((email is null) == (name is null))
        {
            return Problems.Validation("Give either email or name (one of the two).");
        }
        if (email is not null && (email.Length > 320 || !Directory.IsPlausibleEmail(email)))
        {
            return Problems.Validation("email is not an e-mail address.");
        }
        if (name is not null && (name.Length > 200 || SubjectSearch.Words(name).Length == 0))
        {
            return Problems.Validation("name must have at least one letter or digit and at most 200 characters.");
        }
        var result = await SubjectSearch.FindAsync(db, caller.Cell, caller.OrganizationId, email, name, ct);
        // What was looked for is personal data: the event says how and how much was found, never who.
        await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("privacy.subject_searched", caller.OrganizationId, AuditActor.From(http, caller.Actor), null,
            new Dictionary<string, string>
            {
                ["by"] = result.By,
                ["recipientEntries"] = result.Recipients.Count.ToString(CultureInfo.InvariantCulture),
                ["members"] = result.Members.Count.ToString(CultureInfo.InvariantCulture),
            }), time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(result);
    }
}
