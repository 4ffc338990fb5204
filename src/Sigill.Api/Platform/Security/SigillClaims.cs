using System.Security.Claims;

namespace Sigill.Api.Platform.Security;

/// <summary>The claims a Sigill credential carries once authenticated (<c>Features/Accounts/CredentialAuthentication</c>).</summary>
public static class SigillClaims
{
    /// <summary>The one authentication scheme of the API tier: every credential is a bearer secret.</summary>
    public const string Scheme = "ApiToken";

    public const string TokenId = "sigill:token";
    public const string SessionId = "sigill:session";
    public const string UserId = "sigill:user";
    public const string Role = "sigill:role";
    public const string OperatorId = "sigill:operator";
    public const string GrantId = "sigill:grant";
    public const string GrantExpires = "sigill:grant-expires";
    public const string OrganizationId = "sigill:org";
    public const string Region = "sigill:region";
    public const string Scope = "scope";
    /// <summary>The one document an embedded sending session may act on (deny by default elsewhere).</summary>
    public const string DocumentScope = "sigill:document-scope";

    /// <summary>Who acts, as audit events record it: the operator, else the API token, else the signed-in user.</summary>
    public static string ActorOf(ClaimsPrincipal user) =>
        user.FindFirstValue(OperatorId) ?? user.FindFirstValue(TokenId) ?? user.FindFirstValue(UserId) ?? "unknown";
}
