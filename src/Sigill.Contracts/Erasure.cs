namespace Sigill.Contracts;

// Erasure and legal holds (/api/v1/privacy/erasures, /api/v1/privacy/holds), ADR 0016.

/// <summary>What to erase: one document of the caller's organization, or every document one person is on (exactly one of the two).</summary>
public sealed record ErasureRequest(string? DocumentId, string? Email);

/// <summary>
/// A done erasure: its journal id, the documents erased and, for a person, what else went: their membership of the
/// organization, audit events that named them outside their documents (now unreadable), invitations and queued e-mails to them.
/// </summary>
public sealed record ErasureResult(string ErasureId, IReadOnlyList<string> Documents)
{
    public bool Membership { get; init; }
    public int Events { get; init; }
    public int Invitations { get; init; }
    public int Mails { get; init; }
}

/// <summary>Deleting one's own account (<c>POST /api/v1/account/delete</c>): the current password confirms it.</summary>
public sealed record AccountDeletionRequest(string? Password);

/// <summary>A legal hold to set: <c>scope</c> <c>document</c> (with <c>documentId</c>), <c>person</c> (with <c>email</c>) or <c>organization</c>.</summary>
public sealed record LegalHoldRequest(string? Scope, string? DocumentId, string? Email, string? Reason);

/// <summary>A legal hold. A person's hold names no address (it is kept as the e-mail blind index).</summary>
public sealed record LegalHoldView(string Id, string Scope, string? DocumentId, string Reason, string SetBy, DateTime CreatedAt,
    DateTime? ReleasedAt, string? ReleasedBy);
