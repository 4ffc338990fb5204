using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Security;

namespace Sigill.Api.Features.StaffAccess;

/// <summary>
/// Per request: enters the key-access scope of the authenticated caller (its organization and user, or an operator's
/// live grant, or nothing), and records every request an operator makes under a grant in the organization's log.
/// </summary>
internal static class AccessScopeMiddleware
{
    public static IApplicationBuilder UseKeyAccessScopes(this IApplicationBuilder app)
    {
        var cells = app.ApplicationServices.GetRequiredService<CellRegistry>();
        var time = app.ApplicationServices.GetRequiredService<TimeProvider>();
        return app.Use(async (http, next) =>
        {
            var user = http.User;
            if (user.Identity?.IsAuthenticated != true)
            {
                await next(http);
                return;
            }
            var region = user.FindFirstValue(SigillClaims.Region)!;
            var owners = new HashSet<string>(StringComparer.Ordinal) { AuditRecorder.CellOrganization(region) };
            DateTimeOffset? notAfter = null;
            if (user.FindFirstValue(SigillClaims.OrganizationId) is { } org)
            {
                owners.Add(org);
            }
            if (user.FindFirstValue(SigillClaims.UserId) is { } userId)
            {
                owners.Add(userId);
            }
            if (user.FindFirstValue(SigillClaims.GrantExpires) is { } expires)
            {
                notAfter = DateTimeOffset.Parse(expires, System.Globalization.CultureInfo.InvariantCulture);
            }
            if (user.FindFirstValue(SigillClaims.GrantId) is { } grantId)
            {
                var cell = cells.Get(region);
                await using var db = cell.CreateDbContext();
                await AuditRecorder.RecordAsync(db, cell, new("support.access", user.FindFirstValue(SigillClaims.OrganizationId),
                    AuditActor.From(http, user.FindFirstValue(SigillClaims.OperatorId)!), http.Request.Path.Value,
                    new Dictionary<string, string> { ["grant"] = grantId, ["method"] = http.Request.Method }), time.GetUtcNow().UtcDateTime, http.RequestAborted);
                await db.SaveChangesAsync(http.RequestAborted);
            }
            using (Sigill.Crypto.KeyAccess.Enter(new Sigill.Crypto.KeyAccessScope(SigillClaims.ActorOf(user), owners, notAfter)))
            {
                try
                {
                    await next(http);
                }
                catch (Sigill.Crypto.KeyAccessDeniedException) when (!http.Response.HasStarted)
                {
                    // The key layer refused: to the caller this is data that is not theirs, which answers 404.
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    await http.Response.WriteAsJsonAsync(new Microsoft.AspNetCore.Mvc.ProblemDetails
                    {
                        Status = 404,
                        Title = "Not found.",
                        Type = Problems.DocsBase + ErrorCodes.NotFound,
                        Extensions = { ["code"] = ErrorCodes.NotFound },
                    }, options: null, contentType: "application/problem+json");
                }
            }
        });
    }
}
