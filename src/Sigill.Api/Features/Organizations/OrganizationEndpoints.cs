using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;

namespace Sigill.Api.Features.Organizations;

public static class OrganizationEndpoints
{
    /// <param name="BrandColor">The accent colour of e-mails recipients get (<c>#RRGGBB</c>; null: Sigill's own).</param>
    /// <param name="DeliveryLinkDays">How long the download link in a completion e-mail works.</param>
    /// <param name="AttachSealedPdf">Whether completion e-mails carry the sealed PDF (up to the installation's limit).</param>
    public sealed record OrganizationView(string Id, string Name, string Region, DateTime CreatedAt, string? BrandColor, int DeliveryLinkDays, bool AttachSealedPdf)
    {
        public static async Task<OrganizationView> FromAsync(Organization o, Cell cell, CancellationToken ct) =>
            new(o.Id, (await cell.Keys.DecryptFieldAsync(o.Id, Organization.NamePurpose, o.NameToken, o.Id, ct))!, o.Region, o.CreatedAt,
                o.BrandColor, o.DeliveryLinkDays, o.AttachSealedPdf);
    }

    /// <summary>Each value given replaces the setting; absent ones stay. <c>brandColor</c> "" goes back to Sigill's colour.</summary>
    public sealed record SettingsRequest(string? BrandColor, int? DeliveryLinkDays, bool? AttachSealedPdf);

    public static RouteGroupBuilder MapOrganizations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/organizations").WithTags("Organizations")
            .RequireAuthorization(Policies.OrganizationRead);
        group.MapGet("/current", GetCurrent);
        group.MapGet("/{id}", Get);
        group.MapPatch("/current", ChangeSettings).RequireAuthorization(Policies.OrganizationWrite);
        return group;
    }

    private static async Task<Results<Ok<OrganizationView>, NotFound>> GetCurrent(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        return org is null ? TypedResults.NotFound() : TypedResults.Ok(await OrganizationView.FromAsync(org, caller.Cell, ct));
    }

    // Another organization's id — in this region or another — answers 404, never 403.
    private static async Task<Results<Ok<OrganizationView>, NotFound>> Get(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        if (id != caller.OrganizationId)
        {
            return TypedResults.NotFound();
        }
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == id, ct);
        return org is null ? TypedResults.NotFound() : TypedResults.Ok(await OrganizationView.FromAsync(org, caller.Cell, ct));
    }

    private static async Task<Results<Ok<OrganizationView>, NotFound, ProblemHttpResult>> ChangeSettings(SettingsRequest request, HttpContext http, Caller caller,
        CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (request.BrandColor is { Length: > 0 } color && !Platform.Mail.MailBrand.IsColor(color)) return Problems.Validation("brandColor is a colour as #RRGGBB (or \"\" for Sigill's own).");
        if (request.DeliveryLinkDays is < 1 or > 365) return Problems.Validation("deliveryLinkDays must be 1-365.");
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        if (org is null) return TypedResults.NotFound();
        if (request.BrandColor is not null) org.BrandColor = request.BrandColor.Length == 0 ? null : request.BrandColor.ToLowerInvariant();
        if (request.DeliveryLinkDays is { } days) org.DeliveryLinkDays = days;
        if (request.AttachSealedPdf is { } attach) org.AttachSealedPdf = attach;
        await Audit.AuditRecorder.RecordAsync(db, caller.Cell, new Audit.AuditEventData("organization.settings_changed", org.Id, Audit.AuditActor.From(http, caller.Actor), org.Id), time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await OrganizationView.FromAsync(org, caller.Cell, ct));
    }
}
