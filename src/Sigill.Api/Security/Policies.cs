using Microsoft.AspNetCore.Authorization;

namespace Sigill.Api.Security;

/// <summary>Authorization policies: one per scope. Object-level checks happen in each handler's query.</summary>
public static class Policies
{
    public const string OrganizationRead = "organization:read";
    public const string OrganizationWrite = "organization:write";
    public const string DocumentsRead = "documents:read";
    public const string DocumentsWrite = "documents:write";
    public const string TemplatesRead = "templates:read";
    public const string TemplatesWrite = "templates:write";

    public static void Add(AuthorizationOptions options)
    {
        foreach (var scope in new[] { OrganizationRead, OrganizationWrite, DocumentsRead, DocumentsWrite, TemplatesRead, TemplatesWrite })
        {
            options.AddPolicy(scope, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser().RequireClaim(SigillClaims.Scope, scope));
        }
        // Endpoints are closed unless they say otherwise.
        options.FallbackPolicy = new AuthorizationPolicyBuilder(ApiTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build();
    }
}
