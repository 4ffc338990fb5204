namespace Sigill.Contracts;

// Accounts and sign-in (/api/v1/account, /api/v1/regions/{region}/auth/…).

/// <summary>
/// A sign-in's answer: a session, or a second-factor challenge to answer first (<see cref="Challenge"/> and the kind
/// of factor in <see cref="SecondFactor"/>).
/// </summary>
public sealed record SignInResponse(string? Session, DateTime? ExpiresAt, string? UserId, string? OrganizationId, string? Challenge, string? SecondFactor);

public sealed record AccountOrganization(string Id, string Name, string Role);

public sealed record AccountView(string UserId, string Email, string Name, string Region, string OrganizationId, string Role, bool SecondFactor,
    IReadOnlyList<AccountOrganization> Organizations);

public sealed record SessionView(string Id, string Method, string? Client, DateTime CreatedAt, DateTime LastSeenAt, DateTime ExpiresAt, bool Current);

/// <summary>An authenticator key being set up: its base32 secret, its otpauth URI (the QR code), and how many wrong codes it still survives.</summary>
public sealed record TotpEnrolment(string Secret, string Uri, int TriesLeft);

public sealed record RecoveryCodes(IReadOnlyList<string> Codes);

// Members and invitations (/api/v1/members, /api/v1/invitations).

public sealed record MemberView(string UserId, string Email, string Name, string Role, DateTime JoinedAt);

public sealed record InvitationView(string Id, string Email, string Role, DateTime CreatedAt, DateTime ExpiresAt, string Status);

// API tokens (/api/v1/tokens).

public sealed record TokenView(string Id, string Name, string? UserId, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime ExpiresAt,
    DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A new token: its secret is shown this once and never stored.</summary>
public sealed record CreatedToken(TokenView Token, string Secret);

// Staff access (/api/v1/support, /api/v1/organization/support).

public sealed record GrantView(string Id, string OrganizationId, string OperatorId, string Kind, string Access, string Status, string Justification,
    string Ticket, int DurationMinutes, DateTime RequestedAt, string? DecidedBy, DateTime? DecidedAt, DateTime? ExpiresAt);

public sealed record AccessLogEntry(string EventId, string Action, string Actor, string? Target, DateTime Time, IReadOnlyDictionary<string, string> Details,
    long? LeafIndex);

// Single sign-on (/api/v1/organization/sso, /api/v1/regions/{region}/auth/sso/…).

/// <summary>The connection as admins see it; <c>redirectUri</c> is what to register at the identity provider. Never the secret.</summary>
public sealed record SsoConnectionView(string Id, string Protocol, string Issuer, string ClientId, IReadOnlyList<string> AllowedDomains,
    bool PasswordSignInAllowed, bool ClientSecretSet, string RedirectUri, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record SsoStart(string AuthorizationUrl, string State, string OrganizationId);

// Setup of a new installation (/api/v1/setup).

public sealed record SetupStatus(bool SetupPending, IReadOnlyList<string> Regions);

public sealed record SetupResult(string OrganizationId, string Region, string UserId, string ApiToken, DateTime ApiTokenExpiresAt);
