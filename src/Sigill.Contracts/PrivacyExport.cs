namespace Sigill.Contracts;

// Data-subject exports (Articles 15 and 20): /api/v1/privacy/exports and /api/v1/account/export.
// The package's subject.json is PrivacyExportPackage; its format is docs/formats/privacy-export.md.

/// <summary>Whose data to export: an e-mail address (in the body, never the URL).</summary>
public sealed record PrivacyExportRequest(string? Email);

/// <summary>A stored export package: download it from <c>/api/v1/privacy/exports/{Id}</c> until <c>ExpiresAt</c>.</summary>
public sealed record PrivacyExportView(string Id, DateTime CreatedAt, DateTime ExpiresAt, int RecipientEntries, int Pdfs, long Bytes);

/// <summary>subject.json: everything about one person in one organization, with other people on the same documents masked.</summary>
public sealed record PrivacyExportPackage(string Format, string ExportId, string OrganizationId, string Region, DateTime CreatedAt, string SubjectEmail,
    string OtherPeople, IReadOnlyList<PrivacyExportEntry> RecipientEntries, IReadOnlyList<PrivacyExportConsent> Consents, IReadOnlyList<SubjectMember> Memberships);

/// <summary>One recipient entry of the person, the PDF in the package (null when they never received the document) and the others on it, masked.</summary>
public sealed record PrivacyExportEntry(SubjectRecipientEntry Recipient, string? Pdf, IReadOnlyList<PrivacyExportOtherRecipient> OtherRecipients);

/// <summary>Another person on the same document: a role label ("Signer 2") instead of a name, the e-mail address masked (<c>j•••@example.com</c>).</summary>
public sealed record PrivacyExportOtherRecipient(string Label, string Role, string MaskedEmail, string Status);

/// <summary>The person's consent to electronic records and signatures on one document, with the audit event that recorded it.</summary>
public sealed record PrivacyExportConsent(string DocumentId, string RecipientId, DateTime ConsentedAt, string? EventId, string Text);

/// <summary>The signed-in person's own account data (<c>GET /api/v1/account/export</c>).</summary>
public sealed record AccountExport(string Format, DateTime ExportedAt, AccountExportUser Account, IReadOnlyList<AccountExportMembership> Memberships,
    IReadOnlyList<AccountExportSession> Sessions);

public sealed record AccountExportUser(string Id, string Region, string Email, string Name, DateTime CreatedAt, DateTime? TotpEnabledAt);

/// <summary>A membership; the organization's name only for the organization the session acts in (its key scope).</summary>
public sealed record AccountExportMembership(string OrganizationId, string? OrganizationName, string Role, DateTime JoinedAt);

/// <summary>A sign-in: the session it started, the client it came from, and when it ended (revoked or expired).</summary>
public sealed record AccountExportSession(string Id, string OrganizationId, string Method, string? Client, DateTime CreatedAt, DateTime LastSeenAt,
    DateTime ExpiresAt, DateTime? RevokedAt);
