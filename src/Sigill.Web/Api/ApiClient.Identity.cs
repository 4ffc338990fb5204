using System.Net.Http.Json;

namespace Sigill.Web.Api;

/// <summary>What the account, token and organization pages read from the API (its own JSON shapes), and accepting an invitation.</summary>
public sealed partial class ApiClient
{
    /// <summary>
    /// Accepts an invitation (<c>sgi_{region}_…</c>) at the region it names: a new account (name and password) or an
    /// existing one (its password). Answers like sign-in: a session, or a challenge for the second factor.
    /// </summary>
    public Task<(SignInResponse? Result, Problem? Problem)> AcceptInvitationAsync(string region, string invitation, string? name, string password, string? clientAddress,
        CancellationToken ct) =>
        SignInLikeAsync(region, "invitations/accept", new { invitation, name, password }, clientAddress, ct);
}
