using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Audit;


namespace Sigill.Api.Features.ApiTokens;

/// <summary>
/// API tokens for integrators. A signed-in person creates them with scopes no wider than their own role; the secret
/// is shown once. Everyone sees and revokes their own tokens; members:write sees and revokes all of the organization's.
/// </summary>
public static class TokenEndpoints
{
    public sealed record CreateTokenRequest(string? Name, string[]? Scopes, int? ExpiresInDays);

    public const int MaxLifetimeDays = 365;

    public static RouteGroupBuilder MapTokens(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/tokens").WithTags("API tokens");
        group.MapGet("/", List).RequireAuthorization(Policies.Account);
        group.MapPost("/", Create).RequireAuthorization(Policies.Account);
        group.MapDelete("/{id}", Revoke).RequireAuthorization(Policies.Account);
        return group;
    }

    private static TokenView View(ApiToken t) => new(t.Id, t.Name, t.UserId, t.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);

    private static IQueryable<ApiToken> Visible(CellDbContext db, Caller caller) =>
        caller.Has(Policies.MembersWrite)
            ? db.ApiTokens.Where(t => t.OrganizationId == caller.OrganizationId)
            : db.ApiTokens.Where(t => t.OrganizationId == caller.OrganizationId && t.UserId == caller.UserId);

    private static async Task<Ok<List<TokenView>>> List(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var tokens = await Visible(db, caller).OrderByDescending(t => t.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(tokens.Select(View).ToList());
    }

    private static async Task<Results<Created<CreatedToken>, ProblemHttpResult>> Create(CreateTokenRequest request, Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (request.Name?.Trim() is not { Length: > 0 and <= 200 } name)
        {
            return Problems.Validation("name is required (1-200 characters).");
        }
        var scopes = request.Scopes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (scopes.Count == 0 || scopes.Any(s => !Policies.TokenScopes.Contains(s)))
        {
            return Problems.Validation($"scopes must be one or more of: {string.Join(", ", Policies.TokenScopes)}.");
        }
        var beyond = scopes.Where(s => !caller.Has(s)).ToList();
        if (beyond.Count > 0)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.ScopeNotHeld, "A token cannot have scopes its creator does not hold.",
                $"Your role does not include: {string.Join(", ", beyond)}.");
        }
        var days = request.ExpiresInDays ?? 90;
        if (days is < 1 or > MaxLifetimeDays)
        {
            return Problems.Validation($"expiresInDays must be between 1 and {MaxLifetimeDays}.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var (presented, id, hash) = PresentedSecret.ApiToken.Issue(caller.Region);
        var token = new ApiToken
        {
            Id = id,
            OrganizationId = caller.OrganizationId,
            UserId = caller.UserId,
            Name = name,
            SecretHash = hash,
            Scopes = string.Join(' ', scopes),
            CreatedAt = now,
            ExpiresAt = now.AddDays(days),
        };
        db.ApiTokens.Add(token);
        await AuditRecorder.RecordAsync(db, caller.Cell, new("api_token.created", caller.OrganizationId, AuditActor.From(http, caller.UserId!), id,
            new Dictionary<string, string> { ["scopes"] = token.Scopes, ["expiresAt"] = token.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/tokens/{id}", new CreatedToken(View(token), presented));
    }

    private static async Task<Results<NoContent, NotFound>> Revoke(string id, Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var token = await Visible(db, caller).SingleOrDefaultAsync(t => t.Id == id && t.RevokedAt == null, ct);
        if (token is null)
        {
            return TypedResults.NotFound();
        }
        await RevokeAsync(db, caller.Cell, token, AuditActor.From(http, caller.UserId!), time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Revokes <paramref name="token"/> and records <c>api_token.revoked</c>; the caller saves. Also used by access reviews.</summary>
    public static async Task RevokeAsync(CellDbContext db, Platform.Cells.Cell cell, ApiToken token, AuditActor actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(token);
        token.RevokedAt = now;
        await AuditRecorder.RecordAsync(db, cell, new("api_token.revoked", token.OrganizationId, actor, token.Id), now, ct);
    }
}
