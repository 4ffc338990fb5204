namespace Sigill.Contracts;

// Privacy tooling (/api/v1/privacy/…): finding one data subject's records in the caller's organization.

/// <summary>Who to look for: an e-mail address, or a name (exactly one of the two).</summary>
public sealed record SubjectSearchRequest(string? Email, string? Name);

/// <summary>
/// Every record about one person in the caller's organization. <c>RecipientsScanned</c> counts the recipient entries a
/// name search decrypted and compared (an e-mail search: the entries its index found); <c>Truncated</c> says the search
/// stopped at a bound (20,000 names compared, or 1,000 entries in one answer) before the end.
/// </summary>
public sealed record SubjectSearchResult(string By, int RecipientsScanned, bool Truncated,
    IReadOnlyList<SubjectRecipientEntry> Recipients, IReadOnlyList<SubjectMember> Members);

/// <summary>One place the person is a recipient: the document, what they did and saw, and what Sigill sent them.</summary>
public sealed record SubjectRecipientEntry(string DocumentId, string DocumentTitle, string DocumentStatus, string RecipientId, string Name,
    string Email, string Role, string Status, DateTime? NotifiedAt, DateTime? ConsentedAt, DateTime? FirstViewedAt, DateTime? LastViewedAt,
    int ViewCount, string? LastViewIp, string? LastViewUserAgent, DateTime? CompletedAt, string? CompletedIp, string? CompletedUserAgent,
    string? SignatureKind, IReadOnlyList<SubjectFieldValue> Fields, IReadOnlyList<SubjectEvent> Emails, IReadOnlyList<SubjectEvent> AuditEvents,
    IReadOnlyList<SubjectWebhookDelivery> WebhookDeliveries);

/// <summary>A field assigned to the person, with what they entered (null when not filled).</summary>
public sealed record SubjectFieldValue(string FieldId, string Kind, string? Label, string? Value);

/// <summary>An audit event (its id is the audit log's) or an e-mail Sigill sent, by action and time.</summary>
public sealed record SubjectEvent(string EventId, string Action, DateTime OccurredAt);

/// <summary>A webhook delivery to the organization's endpoint that named the person's recipient entry.</summary>
public sealed record SubjectWebhookDelivery(string Id, string EventType, string Status, DateTime OccurredAt);

/// <summary>The person's membership of this organization (their account, as far as this organization knows it).</summary>
public sealed record SubjectMember(string UserId, string Name, string Email, string Role, DateTime JoinedAt);

// Privacy requests (/api/v1/privacy/requests): what data subjects asked, the statutory deadline and what was done.

/// <summary>A request entered by an admin (received by post, by phone): the person's address, the kind, an optional message.</summary>
public sealed record PrivacyRequestCreateRequest(string? Email, string? Type, string? Message);

/// <summary>An action on a request: the status it moves to (in_progress, completed, refused; open) and a note.</summary>
public sealed record PrivacyRequestActionRequest(string? Status, string? Note);

public sealed record PrivacyRequestActionView(string Id, string Status, string? Note, string ActorId, DateTime At);

/// <summary>One request; <c>DueAt</c> is the statutory deadline (received + 30 days); <c>Source</c> is form or manual.</summary>
public sealed record PrivacyRequestView(string Id, string Type, string Email, string? Message, string Status, string Source, DateTime ReceivedAt, DateTime DueAt,
    IReadOnlyList<PrivacyRequestActionView> Actions);

public sealed record PrivacyRequestList(IReadOnlyList<PrivacyRequestView> Requests);

/// <summary>
/// An organization's retention policy (<c>/api/v1/privacy/retention</c>): days after its last change a draft is deleted,
/// days after it ended a declined, voided or expired document is deleted, years after completion a completed document is
/// kept (then deleted), days after which a recipient's last-view IP address and user agent are cleared. Null: keep (off).
/// </summary>
public sealed record RetentionPolicy(int? DraftDays, int? EndedDays, int? CompletedYears, int? ViewDetailsDays);

/// <summary>The policy, and whether and when the installation's daily job enforces it (<c>null</c> time: the job is off).</summary>
public sealed record RetentionView(int? DraftDays, int? EndedDays, int? CompletedYears, int? ViewDetailsDays, TimeSpan? EnforcedDailyAtUtc, RetentionPolicy Defaults);
