namespace Sigill.Contracts;

// Erasure and legal holds (/api/v1/privacy/erasures, /api/v1/privacy/holds), ADR 0016.

/// <summary>What to erase: one document of the caller's organization, or every document one person is on (exactly one of the two).</summary>
public sealed record ErasureRequest(string? DocumentId, string? Email);

/// <summary>A done erasure: its journal id and the documents erased.</summary>
public sealed record ErasureResult(string ErasureId, IReadOnlyList<string> Documents);

/// <summary>A legal hold to set: <c>scope</c> <c>document</c> (with <c>documentId</c>), <c>person</c> (with <c>email</c>) or <c>organization</c>.</summary>
public sealed record LegalHoldRequest(string? Scope, string? DocumentId, string? Email, string? Reason);

/// <summary>A legal hold. A person's hold names no address (it is kept as the e-mail blind index).</summary>
public sealed record LegalHoldView(string Id, string Scope, string? DocumentId, string Reason, string SetBy, DateTime CreatedAt,
    DateTime? ReleasedAt, string? ReleasedBy);
