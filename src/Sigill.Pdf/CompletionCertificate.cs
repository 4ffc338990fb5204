namespace Sigill.Pdf;

/// <summary>What the certificate of completion page states about a finished document.</summary>
public sealed record CompletionCertificate
{
    public required string DocumentTitle { get; init; }

    public required string DocumentId { get; init; }

    public required DateTimeOffset CompletedAt { get; init; }

    public IReadOnlyList<CompletionSigner> Signers { get; init; } = [];

    public IReadOnlyList<CompletionAuditEvent> AuditEvents { get; init; } = [];

    /// <summary>The document's hashes, each labelled on the page in the page's language.</summary>
    public IReadOnlyList<DocumentHash> Hashes { get; init; } = [];

    /// <summary>
    /// The language of the page's words and dates (<c>en</c>, <c>sv</c>, <c>de</c>, <c>fr</c>, <c>es</c>; English when
    /// null or unknown): the organization's default. Hashes, identifiers and audit descriptions are the same in all.
    /// </summary>
    public string? Language { get; init; }

    /// <summary>The files signers uploaded for attachment fields, delivered beside the sealed PDF; each bound to it by its SHA-256.</summary>
    public IReadOnlyList<CompletionAttachment> Attachments { get; init; } = [];

    /// <summary>The payment the document required, when it did.</summary>
    public CompletionPayment? Payment { get; init; }
}

/// <summary>
/// How a required payment was made: through a processor (its name, the payment reference, and at most the card brand
/// and last four digits the processor reported), or outside Sigill as the sender recorded it, with their reason.
/// </summary>
/// <param name="Amount">The amount with its currency, formatted ("1,250.00 EUR").</param>
public sealed record CompletionPayment(string Processor, string? Reference, string Amount, DateTimeOffset PaidAt, string? Card, string? OutsideReason);

/// <summary>A signer's attachment: the field's label (or id), the file's name, its size in bytes and the SHA-256 of its bytes.</summary>
public sealed record CompletionAttachment(string Field, string FileName, long Bytes, string Sha256Hex);

/// <summary>One signer: who, when, from where, how authenticated, and the SHA-256 of what they saw.</summary>
public sealed record CompletionSigner(
    string Name,
    string Email,
    DateTimeOffset SignedAt,
    string IpAddress,
    string UserAgent,
    string AuthenticationMethod,
    string ViewedDocumentSha256);

/// <summary>An audit-log event with its Merkle leaf index and the checkpoint that commits to it.</summary>
public sealed record CompletionAuditEvent(DateTimeOffset At, string Description, long LeafIndex, string CheckpointReference);

public sealed record DocumentHash(DocumentHashKind Kind, string Sha256Hex);

/// <summary>Which SHA-256 a <see cref="DocumentHash"/> is: of the PDF as uploaded, or of the file with every signature.</summary>
public enum DocumentHashKind
{
    Original,
    SignedRevisions,
}
