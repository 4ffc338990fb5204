using Microsoft.AspNetCore.Authorization;

namespace Sigill.Api.Platform.Security;

/// <summary>
/// Authorization policies: one per scope (read or write per resource area). Sessions get their role's
/// scopes (Identity/Roles.cs), tokens their own. Object-level checks happen in each handler's query.
/// </summary>
public static class Policies
{
    public const string OrganizationRead = "organization:read";
    public const string OrganizationWrite = "organization:write";
    public const string MembersRead = "members:read";
    public const string MembersWrite = "members:write";
    public const string DocumentsRead = "documents:read";
    public const string DocumentsWrite = "documents:write";
    public const string TemplatesRead = "templates:read";
    public const string TemplatesWrite = "templates:write";
    /// <summary>The privacy tools: one person's records across the organization. Owners and admins; tokens only when given it.</summary>
    public const string Privacy = "privacy";
    /// <summary>Held only by operators: the staff-access endpoints.</summary>
    public const string Support = "support";
    /// <summary>Held only by browser sessions: account settings (password, second factor, sessions).</summary>
    public const string Account = "account";

    public static readonly IReadOnlyList<string> TokenScopes =
        [OrganizationRead, OrganizationWrite, MembersRead, MembersWrite, DocumentsRead, DocumentsWrite, TemplatesRead, TemplatesWrite, Privacy];

    public static void Add(AuthorizationOptions options)
    {
        foreach (var scope in TokenScopes.Append(Support).Append(Account))
        {
            options.AddPolicy(scope, p => p.AddAuthenticationSchemes(SigillClaims.Scheme)
                .RequireAuthenticatedUser().RequireClaim(SigillClaims.Scope, scope));
        }
        // Endpoints are closed unless they say otherwise.
        options.FallbackPolicy = new AuthorizationPolicyBuilder(SigillClaims.Scheme).RequireAuthenticatedUser().Build();
    }
}
