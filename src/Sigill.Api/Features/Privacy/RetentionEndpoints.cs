using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// The organization's retention policy, scope <c>privacy</c> (issue 18 part 4). A change is recorded as
/// <c>privacy.retention_changed</c> with the old and the new values (numbers only). The daily <see cref="RetentionJob"/>
/// enforces it.
/// </summary>
public static class RetentionEndpoints
{
    public const int MaxDays = 3650;
    public const int MaxYears = 100;

    public static void MapRetention(this RouteGroupBuilder privacy)
    {
        privacy.MapGet("/retention", Get).RequireAuthorization(Policies.Privacy);
        privacy.MapPut("/retention", Put).RequireAuthorization(Policies.Privacy);
    }

    private static readonly RetentionPolicy Defaults = new(RetentionDefaults.DraftDays, RetentionDefaults.EndedDays, RetentionDefaults.CompletedYears,
        RetentionDefaults.ViewDetailsDays);

    private static async Task<Results<Ok<RetentionView>, NotFound>> Get(Caller caller, CellDbContext db, RetentionOptions options, CancellationToken ct)
    {
        var org = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        return org is null ? TypedResults.NotFound() : TypedResults.Ok(ViewOf(org, options));
    }

    private static async Task<Results<Ok<RetentionView>, NotFound, ProblemHttpResult>> Put(RetentionPolicy request, Caller caller, CellDbContext db,
        RetentionOptions options, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var problems = new List<string>();
        if (request.DraftDays is < 1 or > MaxDays) problems.Add($"draftDays must be 1-{MaxDays} days, or null to keep drafts.");
        if (request.EndedDays is < 1 or > MaxDays) problems.Add($"endedDays must be 1-{MaxDays} days, or null to keep declined, voided and expired documents.");
        if (request.CompletedYears is < 1 or > MaxYears) problems.Add($"completedYears must be 1-{MaxYears} years, or null to keep completed documents.");
        if (request.ViewDetailsDays is < 1 or > MaxDays) problems.Add($"viewDetailsDays must be 1-{MaxDays} days, or null to keep view IP addresses and user agents.");
        if (problems.Count > 0) return Problems.Validation(string.Join(" ", problems));
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        if (org is null) return TypedResults.NotFound();
        var details = new Dictionary<string, string>();
        Change(details, "draftDays", org.RetentionDraftDays, request.DraftDays);
        Change(details, "endedDays", org.RetentionEndedDays, request.EndedDays);
        Change(details, "completedYears", org.RetentionCompletedYears, request.CompletedYears);
        Change(details, "viewDetailsDays", org.RetentionViewDetailsDays, request.ViewDetailsDays);
        if (details.Count > 0)
        {
            org.RetentionDraftDays = request.DraftDays;
            org.RetentionEndedDays = request.EndedDays;
            org.RetentionCompletedYears = request.CompletedYears;
            org.RetentionViewDetailsDays = request.ViewDetailsDays;
            await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("privacy.retention_changed", org.Id, AuditActor.From(http, caller.Actor), org.Id, details),
                time.GetUtcNow().UtcDateTime, ct);
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(ViewOf(org, options));
    }

    /// <summary>Records <c>old</c> → <c>new</c> of one rule that changed ("keep" for off).</summary>
    private static void Change(Dictionary<string, string> details, string name, int? old, int? now)
    {
        if (old == now) return;
        details[name + ".old"] = old?.ToString(CultureInfo.InvariantCulture) ?? "keep";
        details[name + ".new"] = now?.ToString(CultureInfo.InvariantCulture) ?? "keep";
    }

    internal static RetentionView ViewOf(Organization org, RetentionOptions options) =>
        new(org.RetentionDraftDays, org.RetentionEndedDays, org.RetentionCompletedYears, org.RetentionViewDetailsDays,
            options.Enabled ? options.DailyAtUtc : null, Defaults);
}
