using System.Net.Http.Json;

namespace Sigill.Web.Api;

/// <summary>What the account, token and organization pages read from the API (its own JSON shapes), and accepting an invitation.</summary>
public sealed partial class ApiClient
{
    public sealed record SessionView(string Id, string Method, string? Client, DateTime CreatedAt, DateTime LastSeenAt, DateTime ExpiresAt, bool Current);

    public sealed record TotpEnrolment(string Secret, string Uri);

    public sealed record RecoveryCodes(IReadOnlyList<string> Codes);

    public sealed record TokenView(string Id, string Name, string? UserId, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt);

    public sealed record CreatedToken(TokenView Token, string Secret);

    public sealed record MemberView(string UserId, string Email, string Name, string Role, DateTime JoinedAt);

    public sealed record InvitationView(string Id, string Email, string Role, DateTime CreatedAt, DateTime ExpiresAt, string Status);

    public sealed record GrantView(string Id, string OrganizationId, string OperatorId, string Kind, string Access, string Status, string Justification, string Ticket,
        int DurationMinutes, DateTime RequestedAt, string? DecidedBy, DateTime? DecidedAt, DateTime? ExpiresAt);

    public sealed record AccessLogEntry(string EventId, string Action, string Actor, string? Target, DateTime Time, IReadOnlyDictionary<string, string> Details, long? LeafIndex);

    public sealed record SsoConnectionView(string Id, string Protocol, string Issuer, string ClientId, IReadOnlyList<string> AllowedDomains, bool PasswordSignInAllowed,
        bool ClientSecretSet, string RedirectUri, DateTime CreatedAt, DateTime UpdatedAt);

    /// <summary>
    /// Accepts an invitation (<c>sgi_{region}_…</c>) at the region it names: a new account (name and password) or an
    /// existing one (its password). Answers like sign-in: a session, or a challenge for the second factor.
    /// </summary>
    public Task<(SignInResult? Result, Problem? Problem)> AcceptInvitationAsync(string region, string invitation, string? name, string password, string? clientAddress,
        CancellationToken ct) =>
        SignInLikeAsync(region, "invitations/accept", new { invitation, name, password }, clientAddress, ct);
}
