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
    public const string TokenPrefix = "sgt";
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

    /// <param name="ReviewerName">With <c>countersign: review</c>: who signs each document after the person who used the link (required then, refused otherwise).</param>
    public sealed record CreateDirectLinkRequest(string? Title, Dictionary<string, string>? Variables, PricingInput? Pricing,
        DateTime? ExpiresAt, int? MaxUses, string? Countersign, string? ReviewerName = null, string? ReviewerEmail = null);

    /// <summary>The person who opened the link: their name and the e-mail address the signing page verifies by a code.</summary>
    /// <param name="Language">The person's language (the web tier sends the one its page speaks, from Accept-Language): the document is made
    /// in it when the template has a body in it, and their e-mailed code speaks it. Default: the organization's.</param>
    public sealed record StartRequest(string? Name, string? Email, string? Language = null);

    /// <summary>Where the person signs: the recipient page of the document made for them (<c>/s/{token}</c>).</summary>
    public sealed record Started(string SigningUrl);

    public sealed record DirectLinkView(string Id, string TemplateId, string Title, string Countersign, DateTime? ExpiresAt, int? MaxUses,
        int Uses, string Status, DateTime? DisabledAt, DateTime CreatedAt);

    /// <summary>The answer to creating a link: the link itself, shown this once (only its hash is stored).</summary>
    public sealed record CreatedDirectLink(DirectLinkView Link, string Token, string Url);

    public sealed record PublicDirectLink(string Title, DateTime? ExpiresAt);

    private sealed record Settings(Dictionary<string, string> Variables, PricingInput? Pricing, string? ReviewerName = null, string? ReviewerEmail = null);

    /// <summary>Starts per link and per client address before a growing wait (ADR 0011's counters, shared by every API node).</summary>
    internal static readonly Accounts.BackoffRule PerLink = new(burst: 30, first: TimeSpan.FromSeconds(1), cap: TimeSpan.FromMinutes(5), forget: TimeSpan.FromMinutes(10));
    internal static readonly Accounts.BackoffRule PerSource = new(burst: 5, first: TimeSpan.FromSeconds(2), cap: TimeSpan.FromMinutes(15), forget: TimeSpan.FromHours(1));

    /// <summary>The signature field each document gets: the foot of its last page, 200 x 50 points, 40 points from the left and bottom edges.</summary>

    public static void MapDirectLinks(this IEndpointRouteBuilder app)
    {
        var write = app.MapGroup("/api/v1/templates/{id}/direct-links").WithTags("Templates").RequireAuthorization(Policies.TemplatesWrite);
        write.MapPost("/", Create);
        write.MapGet("/", List);
        write.MapPost("/{linkId}/disable", Disable);
        app.MapGet("/api/v1/direct/{token}", Open).WithTags("Direct links").AllowAnonymous();
        app.MapPost("/api/v1/direct/{token}/start", Start).WithTags("Direct links").AllowAnonymous();
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
        var variables = request.Variables ?? [];
        if (DocumentEndpoints.TemplateInputProblem(title, variables, request.Pricing) is { } inputProblem) return inputProblem;
        var countersign = request.Countersign ?? Auto;
        if (countersign is not (Auto or Review)) return Problems.Validation("countersign must be auto or review.");
        if (request.ExpiresAt is { } expires && expires.ToUniversalTime() <= now) return Problems.Validation("expiresAt must be in the future.");
        if (request.MaxUses is { } max && max is < 1 or > MaxUsesLimit) return Problems.Validation($"maxUses is between 1 and {MaxUsesLimit}.");
        var reviewerName = request.ReviewerName?.Trim();
        var reviewerEmail = request.ReviewerEmail?.Trim();
        if (countersign == Review && (reviewerName is not { Length: > 0 and <= 200 } || !Platform.Mail.MailServices.IsSingleAddress(reviewerEmail)))
        {
            return Problems.Validation("countersign review needs reviewerName (at most 200 characters) and reviewerEmail (one address): who signs each document after the person who used the link.");
        }
        if (countersign == Auto && (reviewerName is not null || reviewerEmail is not null)) return Problems.Validation("reviewerName and reviewerEmail go with countersign review only.");
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
                JsonSerializer.Serialize(new Settings(variables, request.Pricing, reviewerName, reviewerEmail)), linkId, ct))!,
            Countersign = countersign,
            ExpiresAt = request.ExpiresAt?.ToUniversalTime(),
            MaxUses = request.MaxUses,
            CreatedAt = now,
        };
        db.DirectLinks.Add(link);
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("direct_link.created", caller.OrganizationId, AuditActor.From(http, caller.Actor), linkId,
            new Dictionary<string, string> { ["template"] = template.Id, ["countersign"] = countersign }), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/templates/{template.Id}/direct-links", new CreatedDirectLink(await ViewAsync(cell, link, now, ct), token, $"/direct/{token}"));
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
        if (StatusOf(link, now) is not "active" and var status) return Gone(status);
        return TypedResults.Ok(new PublicDirectLink((await cell.Keys.DecryptFieldAsync(link.OrganizationId, DirectLink.TitlePurpose, link.TitleToken, link.Id, ct))!, link.ExpiresAt));
    }

    /// <summary>
    /// POST /api/v1/direct/{token}/start (anonymous): the person who opened a live link gives a name and an e-mail address
    /// and gets a document of their own, made from the template, already sent, with them as its first signer behind an
    /// e-mailed code (step-up <c>email_code</c>: the signing page verifies the address before anything is signed) and,
    /// for <c>countersign: review</c>, the link's reviewer signing after them. The use is taken, the document created,
    /// its recipients and field placed and it is sent in one transaction: a failure leaves no document and no use taken.
    /// Starts are counted per link and per client address (429 <c>too_many_attempts</c> with Retry-After). No invitation
    /// is e-mailed to the person: the answer carries their signing address, and only a code they ask for reaches the
    /// address they typed (so the link cannot be used to send mail to strangers beyond that).
    /// </summary>
    private static async Task<Results<Ok<Started>, NotFound, ProblemHttpResult>> Start(string token, StartRequest request, HttpContext http, CellRegistry cells,
        Accounts.Throttle throttle, TemplateRenderer renderer, DocumentOptions options, TimeProvider time, CancellationToken ct)
    {
        if (!DocumentWorkflow.TryParseLinkToken(token, out var region, DirectLink.TokenPrefix) || !cells.TryGet(region, out var cell)) return TypedResults.NotFound();
        var hash = DocumentWorkflow.HashLinkToken(token);
        await using var db = cell.CreateDbContext();
        var link = await db.DirectLinks.AsNoTracking().SingleOrDefaultAsync(l => l.TokenHash == hash, ct);
        if (link is null) return TypedResults.NotFound();
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200) return Problems.Validation("name is required (at most 200 characters).");
        var email = request.Email?.Trim();
        if (!Platform.Mail.MailServices.IsSingleAddress(email)) return Problems.Validation("email must be a single e-mail address.");
        if (request.Language is not null && !Languages.IsSupported(request.Language)) return Problems.LanguageUnsupported("language");
        foreach (var (key, rule) in new[] { (throttle.Key("direct-link", link.Id), PerLink), (throttle.Key("direct-link-source", Accounts.Throttle.SourceOf(http)), PerSource) })
        {
            if (await throttle.TryReserveAsync(cell, key, rule, ct) is { } wait) return Accounts.AuthEndpoints.Throttled(http, wait);
        }
        var now = time.GetUtcNow().UtcDateTime;
        if (StatusOf(link, now) != "active") return Gone(StatusOf(link, now));
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == link.TemplateId && t.OrganizationId == link.OrganizationId, ct);
        if (template is null) return Gone("disabled"); // the template was deleted: the link ends with it
        var title = (await cell.Keys.DecryptFieldAsync(link.OrganizationId, DirectLink.TitlePurpose, link.TitleToken, link.Id, ct))!;
        var settings = JsonSerializer.Deserialize<Settings>((await cell.Keys.DecryptFieldAsync(link.OrganizationId, DirectLink.SettingsPurpose, link.SettingsToken, link.Id, ct))!)!;
        DocumentEndpoints.NewDocument draft;
        try
        {
            draft = await DocumentEndpoints.RenderAsync(db, cell, template, title, settings.Variables, settings.Pricing, renderer, ct, request.Language);
        }
        catch (TemplateException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, e.Code, "The template could not be rendered.", e.Message);
        }

        var actor = AuditActor.From(http, "direct:" + link.Id);
        await cell.Keys.ReserveWritesAsync(link.OrganizationId, 32, ct); // the transaction encrypts: reserve key uses before it (SQLite has one writer)
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await TryTakeUseAsync(db, link.Id, now, ct)) return Gone("used_up"); // a parallel start took the last use
        var doc = await DocumentEndpoints.CreateAsync(draft, cell, link.OrganizationId, actor, db, now, ct);
        try
        {
            var signer = await AddSignerAsync(db, cell, doc, draft, name, email!, 1, Signing.StepUp.EmailCode, 0, ct, request.Language);
            if (settings.ReviewerName is { } reviewerName && settings.ReviewerEmail is { } reviewerEmail)
            {
                await AddSignerAsync(db, cell, doc, draft, reviewerName, reviewerEmail, 2, null, 1, ct);
            }
            DocumentWorkflow.TryMove(doc, DocumentStates.Sent);
            doc.SentAt = now;
            doc.ExpiresAt = now.AddDays(options.DefaultExpiryDays);
            var signingToken = DocumentWorkflow.NewLinkToken(DocumentWorkflow.LinkPrefix, cell);
            signer.LinkHash = DocumentWorkflow.HashLinkToken(signingToken);
            signer.Status = RecipientStates.Notified;
            signer.NotifiedAt = now;
            await DocumentWorkflow.RecordAsync(db, cell, doc, "document.sent", actor, now, ct,
                details: new Dictionary<string, string> { ["directLink"] = link.Id, ["countersign"] = link.Countersign });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return TypedResults.Ok(new Started($"/s/{signingToken}"));
        }
        catch
        {
            await DocumentWorkflow.DeletePdfAsync(cell, doc.OrganizationId, doc.CurrentPdfObjectId); // the rollback takes the rows; the PDF goes too
            throw;
        }
    }

    private static ProblemHttpResult Gone(string status) =>
        Problems.Create(StatusCodes.Status410Gone, ErrorCodes.DirectLinkGone, "This link no longer works.",
            $"The link is {status.Replace('_', ' ')}. Ask the sender for a new one.");

    /// <summary>A signer of a document made by a link, with a field on each of the template's field lines for them (a signature at the foot of the last page when none is a signature line).</summary>
    private static async Task<Recipient> AddSignerAsync(CellDbContext db, Cell cell, Document doc, DocumentEndpoints.NewDocument draft, string name, string email, int order,
        string? stepUp, int slot, CancellationToken ct, string? language = null)
    {
        var recipient = await DocumentRecipients.AddAsync(db, cell, doc, name, email, RecipientRoles.Signer, order, stepUp, accessCode: null, ct, language);
        DocumentRecipients.PlaceFields(db, cell, doc, recipient, slot, draft.Fields);
        return recipient;
    }

    /// <summary>
    /// Takes one use of the link for a signing: one conditional UPDATE that only succeeds while the link is live, so
    /// parallel signers can never take more than <see cref="DirectLink.MaxUses"/> (and none after disabling). False when none is left.
    /// </summary>
    public static async Task<bool> TryTakeUseAsync(CellDbContext db, string linkId, DateTime now, CancellationToken ct) =>
        await db.DirectLinks.Where(l => l.Id == linkId && l.DisabledAt == null && (l.ExpiresAt == null || l.ExpiresAt > now) && (l.MaxUses == null || l.Uses < l.MaxUses))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Uses, l => l.Uses + 1), ct) == 1;
}
