namespace Sigill.Contracts;

/// <summary>
/// One sub-processor of a region's register (<c>GET /api/v1/regions/{region}/sub-processors</c>). Which other regions the
/// entry also serves is not part of it: that changes nothing for this region.
/// </summary>
public sealed record SubProcessorView(string Name, string Purpose, IReadOnlyList<string> DataCategories, string Location,
    string TransferMechanism, string TermsUrl, DateOnly Added, DateOnly? Effective);

/// <param name="Change"><c>added</c>, <c>removed</c> or <c>changed</c>.</param>
public sealed record SubProcessorChangeView(string Name, string Change);

/// <summary>A published version: when it was announced, when it takes (or took) effect, what it changed.</summary>
public sealed record SubProcessorVersionView(int Version, DateTimeOffset PublishedAt, DateTimeOffset EffectiveAt, bool Pending, IReadOnlyList<SubProcessorChangeView> Changes);

/// <summary>A version announced but not yet in force, with the register it brings.</summary>
public sealed record SubProcessorPendingView(int Version, DateTimeOffset EffectiveAt, IReadOnlyList<SubProcessorChangeView> Changes, IReadOnlyList<SubProcessorView> Register);

public sealed record SubProcessorAcceptanceView(int Version, DateTimeOffset AcceptedAt);

/// <summary>
/// A region's register: the version in force and its entries, the versions announced and pending, the whole history
/// (newest first), and — for a member of an organization — the version the organization accepted when it was created.
/// </summary>
public sealed record SubProcessorRegisterView(string Region, int? Version, DateTimeOffset? EffectiveAt, IReadOnlyList<SubProcessorView> Current,
    IReadOnlyList<SubProcessorPendingView> Pending, IReadOnlyList<SubProcessorVersionView> History, int NoticeDays, SubProcessorAcceptanceView? Accepted);

/// <summary>The public trust center (<c>GET /api/v1/trust</c>): what this installation is, generated from it, nothing sensitive.</summary>
public sealed record TrustView(DateTimeOffset GeneratedAt, IReadOnlyList<string> Encryption, IReadOnlyList<TrustRegionView> Regions, TrustHostingView Hosting, TrustSecurityContactView Security,
    DpaView? Dpa = null);

/// <summary>The installation's data processing agreement (<c>Trust:Dpa</c>): the version owners accept, and where to read it or its text.</summary>
public sealed record DpaView(string Version, string? Url, string? Text);

/// <summary>An organization's acceptance of the agreement: the version, when, and by which account.</summary>
public sealed record DpaAcceptanceView(string Version, DateTimeOffset AcceptedAt, string? UserId);

/// <summary>
/// The organization's standing with the agreement: the configured one (null: none configured), its latest acceptance, and
/// whether an owner must accept (a configured version other than the accepted one).
/// </summary>
public sealed record DpaStatusView(DpaView? Configured, DpaAcceptanceView? Accepted, bool AcceptanceNeeded);

/// <summary>An owner accepting the configured agreement: the version they read (a stale page's version is refused).</summary>
public sealed record DpaAcceptRequest(string? Version);

/// <param name="KeyProvider"><c>hsm</c> (PKCS#11) or <c>file</c> (a keyring of files).</param>
/// <param name="RootKeyVersion">The version of the region's current root key (1 until the first rotation).</param>
public sealed record TrustRegionView(string Region, string KeyProvider, int RootKeyVersion, TrustAuditLogView AuditLog,
    TrustBackupView Backups, string? DataCentre, SubProcessorRegisterView SubProcessors);

/// <param name="CheckpointUrl">Path of the latest signed checkpoint (on this site).</param>
public sealed record TrustAuditLogView(string? Origin, string? VerifierKey, long? TreeSize, string CheckpointUrl, string VerifierKeyUrl);

/// <param name="LastDrillRecoverySeconds">From the start of the restore until the restored cell was open and checked.</param>
public sealed record TrustBackupView(DateTimeOffset? LastBackupAt, DateTimeOffset? LastDrillAt, bool? LastDrillOk, double? LastDrillRecoverySeconds, DateTimeOffset? LastGoodDrillAt);

public sealed record TrustHostingView(string? Provider, IReadOnlyList<string> Certifications, string? Notes);

/// <summary>What <c>/.well-known/security.txt</c> says (RFC 9116); <paramref name="Expires"/> is computed at each refresh.</summary>
public sealed record TrustSecurityContactView(IReadOnlyList<string> Contact, DateTimeOffset Expires, string PreferredLanguages, string? Policy, string? Canonical);
