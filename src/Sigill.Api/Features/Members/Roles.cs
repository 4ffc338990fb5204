using Sigill.Api.Platform.Security;


namespace Sigill.Api.Features.Members;

/// <summary>
/// Roles per organization and the scopes each grants (docs/permissions.md is the table). A session acts with
/// its role's scopes; an API token with its own scopes narrowed to its creator's current role, so demoting a
/// person narrows their tokens at once.
/// </summary>
public static class Roles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Member = "member";
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [Owner, Admin, Member, Viewer];

    private static readonly string[] ViewerScopes = [Policies.OrganizationRead, Policies.MembersRead, Policies.DocumentsRead, Policies.TemplatesRead];
    private static readonly string[] MemberScopes = [.. ViewerScopes, Policies.DocumentsWrite, Policies.TemplatesWrite];
    private static readonly string[] AdminScopes = [.. MemberScopes, Policies.OrganizationWrite, Policies.MembersWrite, Policies.Privacy];

    public static bool IsValid(string? role) => role is not null && All.Contains(role);

    public static IReadOnlyList<string> ScopesOf(string role) => role switch
    {
        Owner or Admin => AdminScopes,
        Member => MemberScopes,
        Viewer => ViewerScopes,
        _ => [],
    };

    /// <summary>Owners may assign any role; admins any but owner; nobody else manages roles.</summary>
    public static bool CanAssign(string actorRole, string targetRole) =>
        actorRole == Owner || (actorRole == Admin && targetRole != Owner);
}
