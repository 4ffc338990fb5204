using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Http;

namespace Sigill.Api.Features.Embedding;

/// <summary>
/// Embedded sending (docs/embedding.md): the draft page framed for an integrator's signed-in user. The integrator's
/// server asks for a single-use URL for one draft, one registered origin and one member (<c>documents:write</c>); the web
/// tier opens it once (anonymous, the token is the credential) and gets a session of that member SCOPED to that one
/// document (<see cref="Session.DocumentId"/>, <see cref="EmbeddingOptions.SendSessionLifetime"/>), which
/// <see cref="DocumentScopeMiddleware"/> confines to the document's own draft routes.
/// </summary>
public static class EmbedSendEndpoints
{
    public sealed record EmbedSendUrlRequest(string? Origin, string? UserId);

    /// <summary>What opening answers the web tier: the scoped session (a bearer secret), its end, and what it is bound to.</summary>
    public sealed record EmbedSendOpened(string Session, DateTime ExpiresAt, string Origin, string DocumentId, string UserId);

    public const string SignOutPath = "/api/v1/embed/sign-out";

    public static void MapEmbedSending(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/documents/{id}/embed-send-url", Create).WithTags("Embedding").RequireAuthorization(Policies.DocumentsWrite);
        app.MapPost("/api/v1/embed/{token}/open-send", Open).WithTags("Embedding").AllowAnonymous();
        app.MapPost(SignOutPath, SignOut).WithTags("Embedding").RequireAuthorization(Policies.DocumentsRead);
    }

    /// <summary>A member whose role can write documents (owner, admin, member): the role, or null.</summary>
    private static async Task<string?> WriterRoleAsync(CellDbContext db, string organizationId, string userId, CancellationToken ct)
    {
        var role = await db.Memberships.Where(m => m.OrganizationId == organizationId && m.UserId == userId).Select(m => m.Role).SingleOrDefaultAsync(ct);
        return role is not null && Roles.ScopesOf(role).Contains(Policies.DocumentsWrite) ? role : null;
    }

    /// <summary>
    /// POST /api/v1/documents/{id}/embed-send-url: a single-use URL (<see cref="EmbeddingOptions.UrlLifetime"/>) that opens
    /// the draft page of this draft for <c>userId</c> (default: the caller's own user) in a frame of <c>origin</c>. Naming
    /// another member takes an organization token or an owner's or admin's credential (<c>members:write</c>).
    /// </summary>
    private static async Task<Results<Created<EmbedGrantEndpoints.EmbedUrl>, NotFound, ProblemHttpResult>> Create(string id, EmbedSendUrlRequest request,
        HttpContext http, Caller caller, CellDbContext db, MailOptions mail, EmbeddingOptions options, TimeProvider time, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == caller.OrganizationId, ct);
        if (EmbedOrigin.Normalize(request.Origin) is not { } origin || !EmbeddingEndpoints.OriginsOf(org.EmbedOrigins).Contains(origin, StringComparer.Ordinal))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.EmbedOriginNotRegistered, "The origin is not registered.",
                "origin must be one of the organization's registered embedding origins (PUT /api/v1/organization/embedding), exactly scheme://host[:port].");
        }
        var userId = string.IsNullOrWhiteSpace(request.UserId) ? caller.UserId : request.UserId.Trim();
        if (userId is null)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.EmbedUserRequired, "Name the member the URL acts as.",
                "An organization token acts for no person: give userId, a member of the organization who can write documents.");
        }
        if (userId != caller.UserId && caller.UserId is not null && !caller.Has(Policies.MembersWrite))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.EmbedUserInvalid, "You may ask for a URL for yourself only.",
                "Only an organization token or an owner or admin may ask for an embedded sending URL for another member; leave userId out.");
        }
        if (await WriterRoleAsync(db, caller.OrganizationId, userId, ct) is null)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.EmbedUserInvalid, "The user cannot prepare documents here.",
                "userId must be a member of the organization whose role can write documents (owner, admin or member).");
        }
        if (doc.Status != DocumentStates.Draft)
        {
            return Problems.Conflict(ErrorCodes.DocumentNotDraft, $"The document is {doc.Status}; only a draft can be prepared and sent from an embedded page.");
        }
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        var token = DocumentWorkflow.NewLinkToken(EmbedGrant.TokenPrefix, cell);
        var grant = new EmbedGrant
        {
            Id = SigillId.New("emb", cell.Region),
            OrganizationId = caller.OrganizationId,
            DocumentId = doc.Id,
            Kind = EmbedGrant.Send,
            UserId = userId,
            Origin = origin,
            TokenHash = DocumentWorkflow.HashLinkToken(token),
            CreatedAt = now,
            ExpiresAt = now + options.UrlLifetime,
        };
        await EmbedGrant.IssueAsync(db, grant, ct);
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.embed_send_url_issued", AuditActor.From(http, caller.Actor), now, ct, null,
            new Dictionary<string, string> { ["origin"] = origin, ["grant"] = grant.Id, ["user"] = userId });
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/documents/{doc.Id}", new EmbedGrantEndpoints.EmbedUrl($"{mail.LinkBaseUrl.TrimEnd('/')}/e/send/{token}", grant.ExpiresAt));
    }

    private static ProblemHttpResult Gone(string detail) =>
        Problems.Create(StatusCodes.Status410Gone, ErrorCodes.EmbedUrlUsedOrExpired, "This embedded sending URL no longer opens.", detail);

    /// <summary>
    /// POST /api/v1/embed/{token}/open-send (anonymous): takes the URL's one use (one conditional UPDATE: a sending URL,
    /// unused, not expired), re-checks that the origin is still registered, the user still a member who can write and the
    /// document still a draft, and opens a session of that user scoped to the document. 404 malformed token; 410
    /// <c>embed_url_used_or_expired</c> (unknown, used, expired, a signing URL, origin or member gone); 409
    /// <c>document_not_draft</c> (the use is taken all the same).
    /// </summary>
    private static async Task<Results<Ok<EmbedSendOpened>, NotFound, ProblemHttpResult>> Open(string token, HttpContext http, CellRegistry cells,
        EmbeddingOptions options, TimeProvider time, CancellationToken ct)
    {
        if (!DocumentWorkflow.TryParseLinkToken(token, out var region, EmbedGrant.TokenPrefix) || !cells.TryGet(region, out var cell)) return TypedResults.NotFound();
        var hash = DocumentWorkflow.HashLinkToken(token);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = cell.CreateDbContext();
        await EmbedGrantEndpoints.ReserveForOpenAsync(db, cell, hash, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var taken = await db.EmbedGrants.Where(g => g.TokenHash == hash && g.Kind == EmbedGrant.Send && g.UsedAt == null && g.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.UsedAt, now), ct);
        if (taken != 1) return Gone("The URL was opened already, has expired, or never existed. Ask the application that showed it for a new one.");
        var grant = await db.EmbedGrants.AsNoTracking().SingleAsync(g => g.TokenHash == hash, ct);
        var org = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == grant.OrganizationId, ct);
        if (org is null || !EmbeddingEndpoints.OriginsOf(org.EmbedOrigins).Contains(grant.Origin, StringComparer.Ordinal))
        {
            await transaction.CommitAsync(ct);
            return Gone("The organization no longer allows this origin to frame its pages.");
        }
        if (grant.UserId is not { } userId || await WriterRoleAsync(db, grant.OrganizationId, userId, ct) is null)
        {
            await transaction.CommitAsync(ct);
            return Gone("The member the URL was issued for can no longer prepare documents in this organization.");
        }
        var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == grant.DocumentId && d.OrganizationId == grant.OrganizationId, ct);
        if (doc is null || doc.Status != DocumentStates.Draft)
        {
            await transaction.CommitAsync(ct);
            return Problems.Conflict(ErrorCodes.DocumentNotDraft, "The document is no longer a draft.");
        }
        var (presented, sessionId, secretHash) = PresentedSecret.Session.Issue(cell.Region);
        var session = new Session
        {
            Id = sessionId,
            UserId = userId,
            OrganizationId = grant.OrganizationId,
            SecretHash = secretHash,
            Method = "embed-send",
            DocumentId = doc.Id,
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + options.SendSessionLifetime,
        };
        db.Sessions.Add(session);
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.embed_send_opened", AuditActor.From(http, userId), now, ct, null,
            new Dictionary<string, string> { ["origin"] = grant.Origin, ["grant"] = grant.Id, ["session"] = sessionId });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(new EmbedSendOpened(presented, session.ExpiresAt, grant.Origin, doc.Id, userId));
    }

    /// <summary>POST /api/v1/embed/sign-out: ends the embedded sending session presented (the page calls it once the document is sent). Other credentials: 404.</summary>
    private static async Task<Results<NoContent, NotFound>> SignOut(Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (caller.SessionId is null || caller.User.FindFirstValue(SigillClaims.DocumentScope) is null) return TypedResults.NotFound();
        var session = await db.Sessions.SingleOrDefaultAsync(s => s.Id == caller.SessionId && s.DocumentId != null, ct);
        if (session is null) return TypedResults.NotFound();
        var now = time.GetUtcNow().UtcDateTime;
        session.RevokedAt ??= now;
        await AuditRecorder.RecordAsync(db, caller.Cell, new("session.signed_out", caller.OrganizationId, AuditActor.From(http, caller.Actor), session.Id,
            new Dictionary<string, string> { ["method"] = session.Method }), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}

/// <summary>
/// Deny by default for a document-scoped session (<see cref="SigillClaims.DocumentScope"/>, an embedded sending session):
/// it may call only its own document's draft routes — <c>GET /api/v1/documents/{id}</c> and <c>/pdf</c>, the recipients
/// (add, remove), the fields (place, move, change, remove), <c>POST /send</c> — and <see cref="EmbedSendEndpoints.SignOutPath"/>.
/// Anything else (another document, the list, the account, members, tokens, settings, voiding, deleting, duplicating,
/// issuing more embedded URLs) is 403 <c>embed_session_out_of_scope</c> before any endpoint runs. One place, not per endpoint.
/// </summary>
internal static class DocumentScopeMiddleware
{
    private const string Prefix = "/api/v1/documents/";

    public static IApplicationBuilder UseDocumentScopes(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.User.FindFirstValue(SigillClaims.DocumentScope) is { } documentId && !Allowed(http.Request.Method, http.Request.Path.Value ?? "", documentId))
        {
            await Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.EmbedSessionOutOfScope, "This session may act on one document only.",
                "A session opened by an embedded sending URL can prepare and send its own draft, nothing else.").ExecuteAsync(http);
            return;
        }
        await next(http);
    });

    /// <summary>Whether a session scoped to <paramref name="documentId"/> may make this request (exact segments, case-sensitive).</summary>
    internal static bool Allowed(string method, string path, string documentId)
    {
        if (path == EmbedSendEndpoints.SignOutPath) return HttpMethods.IsPost(method);
        if (!path.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var segments = path[Prefix.Length..].Split('/');
        if (segments[0] != documentId) return false;
        var rest = segments[1..];
        return rest switch
        {
            [] or [""] => HttpMethods.IsGet(method),
            ["pdf"] => HttpMethods.IsGet(method),
            ["recipients"] or ["fields"] or ["send"] => HttpMethods.IsPost(method),
            ["recipients", { Length: > 0 }] => HttpMethods.IsDelete(method),
            ["fields", { Length: > 0 }] => HttpMethods.IsDelete(method) || HttpMethods.IsPatch(method),
            _ => false,
        };
    }
}
