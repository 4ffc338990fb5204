namespace Sigill.Pdf;

/// <summary>What the certificate of completion page states about a finished document.</summary>
public sealed record CompletionCertificate
{
    public required string DocumentTitle { get; init; }

    public required string DocumentId { get; init; }

    public required DateTimeOffset CompletedAt { get; init; }

    public IReadOnlyList<CompletionSigner> Signers { get; init; } = [];

    public IReadOnlyList<CompletionAuditEvent> AuditEvents { get; init; } = [];

    /// <summary>Named document hashes, e.g. ("Original PDF SHA-256", hex).</summary>
    public IReadOnlyList<DocumentHash> Hashes { get; init; } = [];
}

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

public sealed record DocumentHash(string Label, string Sha256Hex);
