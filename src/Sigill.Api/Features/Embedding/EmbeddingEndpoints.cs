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

namespace Sigill.Api.Features.Embedding;

/// <summary>
/// The origins an organization allows to frame its recipient pages, at <c>/api/v1/organization/embedding</c> (owners and
/// admins: <c>organization:write</c>, for reading too, because the list decides who may frame signing pages). Saving
/// replaces the whole list; a change is recorded as <c>organization.embedding_changed</c> with the old and new lists.
/// </summary>
public static class EmbeddingEndpoints
{
    public const string Path = "/api/v1/organization/embedding";
    public const int MaxOrigins = 10;

    public sealed record EmbeddingSettings(IReadOnlyList<string>? AllowedOrigins);

    public static void MapEmbedding(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Path).WithTags("Embedding").RequireAuthorization(Policies.OrganizationWrite);
        group.MapGet("/", Get);
        group.MapPut("/", Put);
    }

    /// <summary>The stored list of an organization (empty: embedding off).</summary>
    public static IReadOnlyList<string> OriginsOf(string? stored) =>
        string.IsNullOrEmpty(stored) ? [] : stored.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static async Task<Results<Ok<EmbeddingSettings>, NotFound>> Get(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var org = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        return org is null ? TypedResults.NotFound() : TypedResults.Ok(new EmbeddingSettings(OriginsOf(org.EmbedOrigins)));
    }

    private static async Task<Results<Ok<EmbeddingSettings>, NotFound, ProblemHttpResult>> Put(EmbeddingSettings request, Caller caller, CellDbContext db,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (request.AllowedOrigins is not { } given)
        {
            return Problems.Validation("allowedOrigins is required (an empty list turns embedding off).");
        }
        if (given.Count > MaxOrigins)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.EmbedOriginInvalid, "Too many origins.",
                $"At most {MaxOrigins} origins may frame the organization's pages.");
        }
        var origins = new List<string>();
        foreach (var value in given)
        {
            if (EmbedOrigin.Normalize(value) is not { } origin)
            {
                return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.EmbedOriginInvalid, "An origin is not valid.",
                    "Each origin must be exactly scheme://host[:port]: https, or http only for localhost or 127.0.0.1; no wildcard, path, query or user.");
            }
            if (!origins.Contains(origin, StringComparer.Ordinal)) origins.Add(origin);
        }
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        if (org is null) return TypedResults.NotFound();
        var stored = origins.Count == 0 ? null : string.Join('\n', origins);
        if (stored != org.EmbedOrigins)
        {
            var details = new Dictionary<string, string>
            {
                ["origins.old"] = string.Join(' ', OriginsOf(org.EmbedOrigins)),
                ["origins.new"] = string.Join(' ', origins),
            };
            org.EmbedOrigins = stored;
            await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("organization.embedding_changed", org.Id, AuditActor.From(http, caller.Actor), org.Id, details),
                time.GetUtcNow().UtcDateTime, ct);
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(new EmbeddingSettings(origins));
    }
}

/// <summary>What an allowed embedding origin may be.</summary>
public static class EmbedOrigin
{
    /// <summary>
    /// The origin in its canonical form (<c>scheme://host[:port]</c>, lower case, default port left out), or null when it is
    /// not exactly an origin: https only, except http for <c>localhost</c> and <c>127.0.0.1</c> (development); no wildcard,
    /// user, path, query or fragment; at most 200 characters.
    /// </summary>
    public static string? Normalize(string? value)
    {
        if (value is not { Length: > 0 and <= 200 } || value.Contains('*') || value.Any(char.IsWhiteSpace)) return null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)) return null;
        // The text must end at the authority: "https://a.example/" is refused too, so what is stored is what was meant.
        var authorityEnd = value.IndexOf("//", StringComparison.Ordinal) is var i and >= 0 ? value.IndexOfAny(['/', '?', '#'], i + 2) : -1;
        if (authorityEnd >= 0 || !string.IsNullOrEmpty(uri.UserInfo) || uri.HostNameType == UriHostNameType.Unknown) return null;
        var host = uri.IdnHost.ToLowerInvariant();
        var local = host is "localhost" or "127.0.0.1";
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && local)) return null;
        if (uri.HostNameType == UriHostNameType.IPv6) return null;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{host}" : $"{uri.Scheme}://{host}:{uri.Port}";
    }
}
