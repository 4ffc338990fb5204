using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Http;

namespace Sigill.Api.Features.Embedding;

/// <summary>
/// A short-lived, single-use embedded signing URL (<c>/e/sge_{region}_…</c>) bound to one recipient and one of the
/// organization's registered origins. Only the SHA-256 of the token is stored; <see cref="UsedAt"/> is taken with one
/// conditional UPDATE, so a URL opens once, and never after <see cref="ExpiresAt"/>. No personal data: ids and the origin.
/// </summary>
public sealed class EmbedGrant
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string DocumentId { get; init; }
    /// <summary>The recipient a signing URL (<see cref="Sign"/>) opens for; null for a sending URL.</summary>
    public string? RecipientId { get; init; }
    /// <summary><see cref="Sign"/> (the recipient's signing page) or <see cref="Send"/> (the draft page, as <see cref="UserId"/>).</summary>
    public string Kind { get; init; } = Sign;
    /// <summary>The member a sending URL (<see cref="Send"/>) acts as; null for a signing URL.</summary>
    public string? UserId { get; init; }
    /// <summary>The canonical origin (<see cref="EmbedOrigin.Normalize"/>) that may frame the page this URL opens.</summary>
    public required string Origin { get; init; }
    public required byte[] TokenHash { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
    public DateTime? UsedAt { get; set; }

    public const string TokenPrefix = "sge";
    public const string Sign = "sign";
    public const string Send = "send";

    /// <summary>
    /// Adds <paramref name="grant"/> and deletes the organization's grants that no longer open (expired; a used one has
    /// expired within minutes of its use). An expired URL and an unknown one get the same 410, so nothing is lost, and the
    /// table holds only the URLs still open, however many an integrator asks for. The audit log keeps who issued and opened
    /// each (<c>document.embed_url_issued</c>, <c>…_opened</c>).
    /// </summary>
    internal static async Task IssueAsync(CellDbContext db, EmbedGrant grant, CancellationToken ct)
    {
        await db.EmbedGrants.Where(g => g.OrganizationId == grant.OrganizationId && g.ExpiresAt <= grant.CreatedAt).ExecuteDeleteAsync(ct);
        db.EmbedGrants.Add(grant);
    }
}

internal sealed class EmbedGrantConfiguration : IEntityTypeConfiguration<EmbedGrant>
{
    public void Configure(EntityTypeBuilder<EmbedGrant> builder)
    {
        builder.ToTable("embed_grants");
        builder.HasKey(g => g.Id);
        builder.Property(g => g.Id).HasMaxLength(64);
        builder.Property(g => g.OrganizationId).HasMaxLength(64);
        builder.Property(g => g.DocumentId).HasMaxLength(64);
        builder.Property(g => g.RecipientId).HasMaxLength(64);
        builder.Property(g => g.Kind).HasMaxLength(8).HasDefaultValue(EmbedGrant.Sign);
        builder.Property(g => g.UserId).HasMaxLength(64);
        builder.Property(g => g.Origin).HasMaxLength(200);
        builder.HasIndex(g => g.TokenHash).IsUnique();
        builder.HasIndex(g => new { g.OrganizationId, g.DocumentId });
    }
}

/// <summary>This feature's table on a cell's context (<c>db.EmbedGrants</c>).</summary>
public static class EmbeddingData
{
    extension(CellDbContext db)
    {
        public DbSet<EmbedGrant> EmbedGrants => db.Set<EmbedGrant>();
    }
}

/// <summary>
/// Section <c>Embedding</c>: <c>UrlLifetime</c>, how long an embedded signing or sending URL opens (default 5 minutes,
/// 30 seconds to 1 hour); <c>SendSessionLifetime</c>, the absolute lifetime of the document-scoped session an embedded
/// sending URL opens (default 30 minutes, 1 minute to 8 hours).
/// </summary>
public sealed class EmbeddingOptions : IValidatedOptions
{
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan SendSessionLifetime { get; set; } = TimeSpan.FromMinutes(30);

    public IReadOnlyList<string> Validate() =>
    [
        .. UrlLifetime < TimeSpan.FromSeconds(30) || UrlLifetime > TimeSpan.FromHours(1) ? ["Embedding:UrlLifetime must be between 00:00:30 and 01:00:00"] : Array.Empty<string>(),
        .. SendSessionLifetime < TimeSpan.FromMinutes(1) || SendSessionLifetime > TimeSpan.FromHours(8) ? ["Embedding:SendSessionLifetime must be between 00:01:00 and 08:00:00"] : Array.Empty<string>(),
    ];
}

/// <summary>
/// Embedded signing (docs/embedding.md). The sender asks for a URL for one waiting recipient and one registered origin
/// (<c>documents:write</c>); the integrator frames it; the web tier opens it once (anonymous, the token is the credential)
/// and gets a fresh signing link for the recipient — replacing the recipient's earlier link — and the origin to allow in
/// <c>frame-ancestors</c>.
/// </summary>
public static class EmbedGrantEndpoints
{
    public sealed record EmbedUrlRequest(string? Origin);

    public sealed record EmbedUrl(string Url, DateTime ExpiresAt);

    /// <summary>What opening answers the web tier: the recipient's new signing link token and the origin bound to it.</summary>
    public sealed record EmbedOpened(string RecipientToken, string Origin, string DocumentId, string RecipientId);

    public static void MapEmbedGrants(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/documents/{id}/recipients/{recipientId}/embed-url", Create).WithTags("Embedding").RequireAuthorization(Policies.DocumentsWrite);
        app.MapPost("/api/v1/embed/{token}/open", Open).WithTags("Embedding").AllowAnonymous();
    }

    /// <summary>A recipient who can act now: the document is out for signature and the recipient holds a live link (their turn, not done).</summary>
    private static bool Waiting(Document doc, Recipient r) =>
        doc.Status == DocumentStates.Sent && r.LinkHash is not null && r.Status == RecipientStates.Notified;

    private static ProblemHttpResult NotWaiting() =>
        Problems.Conflict(ErrorCodes.RecipientFinished,
            "This recipient cannot sign now: the document is not out for signature, the recipient already signed or declined, or it is not their turn yet.");

    private static async Task<Results<Created<EmbedUrl>, NotFound, ProblemHttpResult>> Create(string id, string recipientId, EmbedUrlRequest request,
        HttpContext http, Caller caller, CellDbContext db, MailOptions mail, EmbeddingOptions options, TimeProvider time, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var r = await db.Recipients.AsNoTracking().SingleOrDefaultAsync(x => x.Id == recipientId && x.DocumentId == doc.Id, ct);
        if (r is null) return TypedResults.NotFound();
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == caller.OrganizationId, ct);
        if (EmbedOrigin.Normalize(request.Origin) is not { } origin || !EmbeddingEndpoints.OriginsOf(org.EmbedOrigins).Contains(origin, StringComparer.Ordinal))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.EmbedOriginNotRegistered, "The origin is not registered.",
                "origin must be one of the organization's registered embedding origins (PUT /api/v1/organization/embedding), exactly scheme://host[:port].");
        }
        if (!RecipientRoles.Acts(r.Role)) return Problems.Conflict(ErrorCodes.RecipientCannotAct, "A cc recipient receives the document but does not sign it.");
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        if (await DocumentWorkflow.ExpireIfDueAsync(db, cell, doc, now, ct) || !Waiting(doc, r)) return NotWaiting();

        var token = DocumentWorkflow.NewLinkToken(EmbedGrant.TokenPrefix, cell);
        var grant = new EmbedGrant
        {
            Id = SigillId.New("emb", cell.Region),
            OrganizationId = caller.OrganizationId,
            DocumentId = doc.Id,
            RecipientId = r.Id,
            Origin = origin,
            TokenHash = DocumentWorkflow.HashLinkToken(token),
            CreatedAt = now,
            ExpiresAt = now + options.UrlLifetime,
        };
        await EmbedGrant.IssueAsync(db, grant, ct);
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.embed_url_issued", AuditActor.From(http, caller.Actor), now, ct, r.Id,
            new Dictionary<string, string> { ["origin"] = origin, ["grant"] = grant.Id });
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/documents/{doc.Id}/recipients/{r.Id}", new EmbedUrl($"{mail.LinkBaseUrl.TrimEnd('/')}/e/{token}", grant.ExpiresAt));
    }

    private static ProblemHttpResult Gone(string detail) =>
        Problems.Create(StatusCodes.Status410Gone, ErrorCodes.EmbedUrlUsedOrExpired, "This embedded signing URL no longer opens.", detail);

    /// <summary>
    /// Opening encrypts inside its transaction (audit events, links), so the key uses are reserved before it begins (see
    /// <c>ReserveWritesAsync</c>: on SQLite a reservation inside a transaction waits on it). The grant's organization is
    /// read first; an unknown token reserves nothing and is refused inside.
    /// </summary>
    internal static async Task ReserveForOpenAsync(CellDbContext db, Cell cell, byte[] hash, CancellationToken ct)
    {
        if (await db.EmbedGrants.Where(g => g.TokenHash == hash).Select(g => g.OrganizationId).SingleOrDefaultAsync(ct) is { } organizationId)
        {
            await cell.Keys.ReserveWritesAsync(organizationId, 16, ct);
        }
    }

    /// <summary>
    /// POST /api/v1/embed/{token}/open (anonymous): takes the URL's one use (one conditional UPDATE: unused and not
    /// expired), re-checks in the same transaction that the origin is still registered and the recipient still waiting,
    /// and issues the recipient a fresh signing link (their earlier link, e-mailed or embedded, stops working). 404 for a
    /// malformed token or an unknown region; 410 <c>embed_url_used_or_expired</c> for an unknown, used or expired token
    /// (indistinguishable on purpose) or an origin no longer registered; 409 <c>recipient_finished</c> when the recipient
    /// can no longer sign (the use is taken all the same).
    /// </summary>
    private static async Task<Results<Ok<EmbedOpened>, NotFound, ProblemHttpResult>> Open(string token, HttpContext http, CellRegistry cells, TimeProvider time, CancellationToken ct)
    {
        if (!DocumentWorkflow.TryParseLinkToken(token, out var region, EmbedGrant.TokenPrefix) || !cells.TryGet(region, out var cell)) return TypedResults.NotFound();
        var hash = DocumentWorkflow.HashLinkToken(token);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = cell.CreateDbContext();
        await ReserveForOpenAsync(db, cell, hash, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var taken = await db.EmbedGrants.Where(g => g.TokenHash == hash && g.Kind == EmbedGrant.Sign && g.UsedAt == null && g.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.UsedAt, now), ct);
        if (taken != 1) return Gone("The URL was opened already, has expired, or never existed. Ask the application that showed it for a new one.");
        var grant = await db.EmbedGrants.AsNoTracking().SingleAsync(g => g.TokenHash == hash, ct);
        var org = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == grant.OrganizationId, ct);
        var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == grant.DocumentId && d.OrganizationId == grant.OrganizationId, ct);
        var r = doc is null ? null : await db.Recipients.SingleOrDefaultAsync(x => x.Id == grant.RecipientId && x.DocumentId == doc.Id, ct);
        if (org is null || !EmbeddingEndpoints.OriginsOf(org.EmbedOrigins).Contains(grant.Origin, StringComparer.Ordinal))
        {
            await transaction.CommitAsync(ct);
            return Gone("The organization no longer allows this origin to frame its pages.");
        }
        if (doc is null || r is null || await DocumentWorkflow.ExpireIfDueAsync(db, cell, doc, now, ct) || !Waiting(doc, r))
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return NotWaiting();
        }
        var signingToken = DocumentWorkflow.NewLinkToken(DocumentWorkflow.LinkPrefix, cell);
        r.LinkHash = DocumentWorkflow.HashLinkToken(signingToken);
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.embed_opened", AuditActor.From(http, r.Id), now, ct, r.Id,
            new Dictionary<string, string> { ["origin"] = grant.Origin, ["grant"] = grant.Id });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(new EmbedOpened(signingToken, grant.Origin, doc.Id, r.Id));
    }
}
