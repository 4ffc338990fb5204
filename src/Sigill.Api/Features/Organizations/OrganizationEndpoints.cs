using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Pdf.Images;

namespace Sigill.Api.Features.Organizations;

public static class OrganizationEndpoints
{
    /// <param name="BrandColor">The accent colour of e-mails recipients get (<c>#RRGGBB</c>; null: Sigill's own).</param>
    /// <param name="DeliveryLinkDays">How long the download link in a completion e-mail works.</param>
    /// <param name="AttachSealedPdf">Whether completion e-mails carry the sealed PDF (up to the installation's limit).</param>
    /// <param name="HasLogo">Whether e-mails carry the organization's logo (<c>GET /organizations/current/logo</c>).</param>
    /// <param name="SealWithoutTimestamp">Whether a completion is sealed at baseline B when no timestamp authority answers, instead of waiting.</param>
    /// <param name="DefaultLanguage">The language of recipients without one of their own, and of the certificate of completion (<c>en</c> when never set).</param>
    public sealed record OrganizationView(string Id, string Name, string Region, DateTime CreatedAt, string? BrandColor, int DeliveryLinkDays, bool AttachSealedPdf,
        bool HasLogo, bool SealWithoutTimestamp, string DefaultLanguage)
    {
        public static async Task<OrganizationView> FromAsync(Organization o, Cell cell, CancellationToken ct) =>
            new(o.Id, (await cell.Keys.DecryptFieldAsync(o.Id, Organization.NamePurpose, o.NameToken, o.Id, ct))!, o.Region, o.CreatedAt,
                o.BrandColor, o.DeliveryLinkDays, o.AttachSealedPdf, o.LogoToken is not null, o.SealWithoutTimestamp, o.DefaultLanguage ?? Languages.English);
    }

    /// <summary>A logo as base64 PNG. It is decoded to pixels and written again by Sigill (nothing of the upload's own bytes is kept).</summary>
    public sealed record LogoRequest(string? Png);

    /// <summary>The largest logo: its pixels (an e-mail shows it at most 240×48) and the PNG Sigill writes of them.</summary>
    public static readonly PngLimits LogoLimits = new() { MaxBytes = 256 * 1024, MaxDimension = 1200, MaxDecodedBytes = 1200L * 600 * 4 };

    /// <summary>
    /// Each value given replaces the setting; absent ones stay. <c>brandColor</c> "" goes back to Sigill's colour;
    /// <c>defaultLanguage</c> is one of <see cref="Languages.Supported"/>.
    /// </summary>
    public sealed record SettingsRequest(string? BrandColor, int? DeliveryLinkDays, bool? AttachSealedPdf, bool? SealWithoutTimestamp = null, string? DefaultLanguage = null);

    public static RouteGroupBuilder MapOrganizations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/organizations").WithTags("Organizations")
            .RequireAuthorization(Policies.OrganizationRead);
        group.MapGet("/current", GetCurrent);
        group.MapGet("/{id}", Get);
        group.MapPatch("/current", ChangeSettings).RequireAuthorization(Policies.OrganizationWrite);
        group.MapGet("/current/logo", GetLogo);
        group.MapPut("/current/logo", PutLogo).RequireAuthorization(Policies.OrganizationWrite);
        group.MapDelete("/current/logo", DeleteLogo).RequireAuthorization(Policies.OrganizationWrite);
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
        if (request.DefaultLanguage is not null && !Languages.IsSupported(request.DefaultLanguage)) return Problems.LanguageUnsupported("defaultLanguage");
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        if (org is null) return TypedResults.NotFound();
        if (request.BrandColor is not null) org.BrandColor = request.BrandColor.Length == 0 ? null : request.BrandColor.ToLowerInvariant();
        if (request.DeliveryLinkDays is { } days) org.DeliveryLinkDays = days;
        if (request.AttachSealedPdf is { } attach) org.AttachSealedPdf = attach;
        if (request.SealWithoutTimestamp is { } levelB) org.SealWithoutTimestamp = levelB;
        if (request.DefaultLanguage is { } language) org.DefaultLanguage = language == Languages.English ? null : language;
        await Audit.AuditRecorder.RecordAsync(db, caller.Cell, new Audit.AuditEventData("organization.settings_changed", org.Id, Audit.AuditActor.From(http, caller.Actor), org.Id), time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await OrganizationView.FromAsync(org, caller.Cell, ct));
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> GetLogo(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var org = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        var logo = org is null ? null : await caller.Cell.Keys.DecryptFieldAsync(org.Id, Organization.LogoPurpose, org.LogoToken, org.Id, ct);
        return logo is null ? TypedResults.NotFound() : TypedResults.File(Convert.FromBase64String(logo), "image/png");
    }

    private static async Task<Results<Ok<OrganizationView>, NotFound, ProblemHttpResult>> PutLogo(LogoRequest request, HttpContext http, Caller caller,
        CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (Logo(request.Png) is not { } png)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.LogoInvalid, "The logo is not a usable PNG image.",
                $"Send png: a base64 PNG of at most {LogoLimits.MaxBytes / 1024} KB, at most 1200 × 600 pixels.");
        }
        return await ChangeLogoAsync(png, "organization.logo_changed", http, caller, db, time, ct);
    }

    private static Task<Results<Ok<OrganizationView>, NotFound, ProblemHttpResult>> DeleteLogo(HttpContext http, Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct) =>
        ChangeLogoAsync(null, "organization.logo_removed", http, caller, db, time, ct);

    private static async Task<Results<Ok<OrganizationView>, NotFound, ProblemHttpResult>> ChangeLogoAsync(byte[]? png, string action, HttpContext http, Caller caller,
        CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        if (org is null) return TypedResults.NotFound();
        org.LogoToken = png is null ? null : await caller.Cell.Keys.EncryptFieldAsync(org.Id, Organization.LogoPurpose, Convert.ToBase64String(png), org.Id, ct);
        await Audit.AuditRecorder.RecordAsync(db, caller.Cell, new Audit.AuditEventData(action, org.Id, Audit.AuditActor.From(http, caller.Actor), org.Id), time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await OrganizationView.FromAsync(org, caller.Cell, ct));
    }

    /// <summary>The PNG Sigill writes of an uploaded logo's decoded pixels, or null when it is not a PNG within <see cref="LogoLimits"/>.</summary>
    private static byte[]? Logo(string? base64)
    {
        if (base64 is null || base64.Length > (LogoLimits.MaxBytes + 2) / 3 * 4) return null;
        var bytes = new byte[base64.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(base64, bytes, out var length)) return null;
        try
        {
            var image = PngImage.Decode(bytes.AsSpan(0, length), LogoLimits);
            if (image.Height > 600) return null;
            var png = image.ToPng();
            return png.Length <= LogoLimits.MaxBytes ? png : null;
        }
        catch (PngFormatException)
        {
            return null;
        }
    }
}
