using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// A template's direct link: a public link anyone can open to sign a document made from the template. Only the SHA-256 of
/// the link token is stored (as for recipients' signing links); the title and the document settings (variables, pricing)
/// are field tokens under the organization's key. <see cref="Uses"/> is counted with one conditional UPDATE, so
/// <see cref="MaxUses"/> holds under concurrency; <see cref="DisabledAt"/> ends the link at once.
/// </summary>
public sealed class DirectLink
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string TemplateId { get; init; }
    public required byte[] TokenHash { get; init; }
    public required string TitleToken { get; init; }
    /// <summary>JSON <c>{variables, pricing}</c> for each document the link makes (a field token).</summary>
    public required string SettingsToken { get; init; }
    /// <summary><c>auto</c> or <c>review</c>: how the organization's side of each document is completed.</summary>
    public required string Countersign { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public int? MaxUses { get; init; }
    public int Uses { get; set; }
    public DateTime? DisabledAt { get; set; }
    public DateTime CreatedAt { get; init; }

    public const string TitlePurpose = "direct-link.title";
    public const string SettingsPurpose = "direct-link.settings";
    public const string TokenPrefix = "sgd";
}

internal sealed class DirectLinkConfiguration : IEntityTypeConfiguration<DirectLink>
{
    public void Configure(EntityTypeBuilder<DirectLink> builder)
    {
        builder.ToTable("direct_links");
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).HasMaxLength(64);
        builder.Property(l => l.OrganizationId).HasMaxLength(64);
        builder.Property(l => l.TemplateId).HasMaxLength(64);
        builder.Property(l => l.Countersign).HasMaxLength(16);
        builder.HasIndex(l => l.TokenHash).IsUnique();
        builder.HasIndex(l => new { l.OrganizationId, l.TemplateId });
    }
}

/// <summary>Managing a template's direct links (<c>templates:write</c>) and the public look-up of one link.</summary>
public static class DirectLinkEndpoints
{
    public const string Auto = "auto";
    public const string Review = "review";
    public const int MaxUsesLimit = 1_000_000;

    public sealed record CreateDirectLinkRequest(string? Title, Dictionary<string, string>? Variables, PricingInput? Pricing,
        DateTime? ExpiresAt, int? MaxUses, string? Countersign);

    public sealed record DirectLinkView(string Id, string TemplateId, string Title, string Countersign, DateTime? ExpiresAt, int? MaxUses,
        int Uses, string Status, DateTime? DisabledAt, DateTime CreatedAt);

    /// <summary>The answer to creating a link: the link itself, shown this once (only its hash is stored).</summary>
    public sealed record CreatedDirectLink(DirectLinkView Link, string Token, string Url);

    public sealed record PublicDirectLink(string Title, DateTime? ExpiresAt);

    private sealed record Settings(Dictionary<string, string> Variables, PricingInput? Pricing);

    public static void MapDirectLinks(this IEndpointRouteBuilder app)
    {
        var write = app.MapGroup("/api/v1/templates/{id}/direct-links").WithTags("Templates").RequireAuthorization(Policies.TemplatesWrite);
        write.MapPost("/", Create);
        write.MapGet("/", List);
        write.MapPost("/{linkId}/disable", Disable);
        app.MapGet("/api/v1/direct/{token}", Open).WithTags("Direct links").AllowAnonymous();
    }

    /// <summary><c>active</c>, or why the link no longer opens: <c>disabled</c>, <c>expired</c> or <c>used_up</c>.</summary>
    public static string StatusOf(DirectLink l, DateTime now) =>
        l.DisabledAt is not null ? "disabled"
        : l.ExpiresAt is { } e && e <= now ? "expired"
        : l.MaxUses is { } max && l.Uses >= max ? "used_up"
        : "active";

    private static async Task<DirectLinkView> ViewAsync(Cell cell, DirectLink l, DateTime now, CancellationToken ct) =>
        new(l.Id, l.TemplateId, (await cell.Keys.DecryptFieldAsync(l.OrganizationId, DirectLink.TitlePurpose, l.TitleToken, l.Id, ct))!,
            l.Countersign, l.ExpiresAt, l.MaxUses, l.Uses, StatusOf(l, now), l.DisabledAt, l.CreatedAt);

    private static async Task<Results<Created<CreatedDirectLink>, NotFound, ProblemHttpResult>> Create(string id, CreateDirectLinkRequest request,
        HttpContext http, Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        var title = request.Title?.Trim() ?? "";
        if (title.Length is 0 or > 300) return Problems.Validation("title is required (at most 300 characters).");
        var variables = request.Variables ?? [];
        if (TemplateRenderer.ValidateVariables(variables) is { } variablesError) return Problems.Validation(variablesError);
        if (request.Pricing is { } pricing && TemplateRenderer.Validate(pricing) is { } pricingError)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.PricingInvalid, "The pricing table is not valid.", pricingError);
        }
        var countersign = request.Countersign ?? Auto;
        if (countersign is not (Auto or Review)) return Problems.Validation("countersign must be auto or review.");
        if (request.ExpiresAt is { } expires && expires.ToUniversalTime() <= now) return Problems.Validation("expiresAt must be in the future.");
        if (request.MaxUses is { } max && max is < 1 or > MaxUsesLimit) return Problems.Validation($"maxUses is between 1 and {MaxUsesLimit}.");
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, ct);
        if (template is null) return TypedResults.NotFound();

        var linkId = SigillId.New("dl", cell.Region);
        var token = DocumentWorkflow.NewLinkToken(DirectLink.TokenPrefix, cell);
        var link = new DirectLink
        {
            Id = linkId,
            OrganizationId = caller.OrganizationId,
            TemplateId = template.Id,
            TokenHash = DocumentWorkflow.HashLinkToken(token),
            TitleToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, DirectLink.TitlePurpose, title, linkId, ct))!,
            SettingsToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, DirectLink.SettingsPurpose,
                JsonSerializer.Serialize(new Settings(variables, request.Pricing)), linkId, ct))!,
            Countersign = countersign,
            ExpiresAt = request.ExpiresAt?.ToUniversalTime(),
            MaxUses = request.MaxUses,
            CreatedAt = now,
        };
        db.DirectLinks.Add(link);
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("direct_link.created", caller.OrganizationId, AuditActor.From(http, caller.Actor), linkId,
            new Dictionary<string, string> { ["template"] = template.Id, ["countersign"] = countersign }), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/templates/{template.Id}/direct-links", new CreatedDirectLink(await ViewAsync(cell, link, now, ct), token, $"/d/{token}"));
    }

    private static async Task<Results<Ok<DirectLinkView[]>, NotFound>> List(string id, Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (!await db.Templates.AnyAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, ct)) return TypedResults.NotFound();
        var now = time.GetUtcNow().UtcDateTime;
        var rows = await db.DirectLinks.AsNoTracking().Where(l => l.TemplateId == id && l.OrganizationId == caller.OrganizationId)
            .OrderByDescending(l => l.CreatedAt).Take(500).ToListAsync(ct);
        var result = new DirectLinkView[rows.Count];
        for (var i = 0; i < rows.Count; i++) result[i] = await ViewAsync(caller.Cell, rows[i], now, ct);
        return TypedResults.Ok(result);
    }

    /// <summary>Disables the link at once (one conditional UPDATE; a second call is a no-op that answers the same view).</summary>
    private static async Task<Results<Ok<DirectLinkView>, NotFound>> Disable(string id, string linkId, HttpContext http, Caller caller, CellDbContext db,
        TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var link = await db.DirectLinks.SingleOrDefaultAsync(l => l.Id == linkId && l.TemplateId == id && l.OrganizationId == caller.OrganizationId, ct);
        if (link is null) return TypedResults.NotFound();
        if (link.DisabledAt is null)
        {
            link.DisabledAt = now;
            await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("direct_link.disabled", caller.OrganizationId, AuditActor.From(http, caller.Actor), link.Id,
                new Dictionary<string, string> { ["template"] = link.TemplateId }), now, ct);
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(await ViewAsync(caller.Cell, link, now, ct));
    }

    /// <summary>
    /// GET /api/v1/direct/{token} (anonymous): what the public page shows before the signer starts. 404 for a malformed or
    /// unknown token; 410 <c>direct_link_gone</c> for a link disabled, expired or used up.
    /// </summary>
    private static async Task<Results<Ok<PublicDirectLink>, NotFound, ProblemHttpResult>> Open(string token, CellRegistry cells, TimeProvider time, CancellationToken ct)
    {
        if (!DocumentWorkflow.TryParseLinkToken(token, out var region, DirectLink.TokenPrefix) || !cells.TryGet(region, out var cell)) return TypedResults.NotFound();
        var hash = DocumentWorkflow.HashLinkToken(token);
        await using var db = cell.CreateDbContext();
        var link = await db.DirectLinks.AsNoTracking().SingleOrDefaultAsync(l => l.TokenHash == hash, ct);
        if (link is null) return TypedResults.NotFound();
        var now = time.GetUtcNow().UtcDateTime;
        if (StatusOf(link, now) is not "active" and var status)
        {
            return Problems.Create(StatusCodes.Status410Gone, ErrorCodes.DirectLinkGone, "This link no longer works.",
                $"The link is {status.Replace('_', ' ')}. Ask the sender for a new one.");
        }
        return TypedResults.Ok(new PublicDirectLink((await cell.Keys.DecryptFieldAsync(link.OrganizationId, DirectLink.TitlePurpose, link.TitleToken, link.Id, ct))!, link.ExpiresAt));
    }

    /// <summary>
    /// Takes one use of the link for a signing: one conditional UPDATE that only succeeds while the link is live, so
    /// parallel signers can never take more than <see cref="DirectLink.MaxUses"/> (and none after disabling). False when none is left.
    /// </summary>
    public static async Task<bool> TryTakeUseAsync(CellDbContext db, string linkId, DateTime now, CancellationToken ct) =>
        await db.DirectLinks.Where(l => l.Id == linkId && l.DisabledAt == null && (l.ExpiresAt == null || l.ExpiresAt > now) && (l.MaxUses == null || l.Uses < l.MaxUses))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Uses, l => l.Uses + 1), ct) == 1;
}
