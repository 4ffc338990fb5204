using System.Security.Cryptography;

namespace Sigill.Transparency;

/// <summary>The first check a receipt failed, in the order they are made.</summary>
public enum ReceiptStatus
{
    /// <summary>Every check passed.</summary>
    Ok,

    /// <summary>The JSON is not a well-formed receipt.</summary>
    Malformed,

    /// <summary>The verifier key (given or embedded) cannot be parsed.</summary>
    MalformedVerifierKey,

    /// <summary>The embedded verifier key is not the trusted one.</summary>
    UntrustedVerifierKey,

    /// <summary>The checkpoint is not validly signed by the key, or is not a well-formed checkpoint.</summary>
    CheckpointInvalid,

    /// <summary>The checkpoint's origin is not the receipt's origin.</summary>
    OriginMismatch,

    /// <summary>The leaf index is not below the checkpoint's tree size.</summary>
    LeafIndexOutOfRange,

    /// <summary>The disclosed salt and event hash do not open the leaf commitment.</summary>
    CommitmentMismatch,

    /// <summary>The event bytes supplied by the caller do not hash to the disclosed event hash.</summary>
    EventMismatch,

    /// <summary>The event bytes were supplied but the receipt discloses no salt to check them with.</summary>
    EventNotDisclosed,

    /// <summary>The inclusion proof does not lead from the leaf to the checkpoint's root.</summary>
    InclusionProofInvalid,
}

/// <summary>The outcome of <see cref="ReceiptVerifier.Verify"/>.</summary>
/// <param name="Status">Ok, or the first failed check.</param>
/// <param name="Detail">A precise, human-readable explanation.</param>
/// <param name="KeyTrusted">True when the checkpoint key was supplied by the caller rather than
/// taken from the receipt itself; an Ok result with an untrusted key proves only internal
/// consistency.</param>
/// <param name="Receipt">The parsed receipt, when it parsed.</param>
/// <param name="Checkpoint">The verified checkpoint, when its signature verified.</param>
public sealed record ReceiptVerification(
    ReceiptStatus Status, string Detail, bool KeyTrusted, Receipt? Receipt, Checkpoint? Checkpoint)
{
    /// <summary>True when every check passed.</summary>
    public bool IsValid => Status == ReceiptStatus.Ok;
}

/// <summary>Verifies a <see cref="Receipt"/> offline.</summary>
public static class ReceiptVerifier
{
    /// <summary>
    /// Verifies <paramref name="json"/>: parses it, checks the checkpoint signature with
    /// <paramref name="trustedVerifierKey"/> (or, when null, the receipt's own key, reported as
    /// untrusted), the origin, the index, the commitment opening when disclosed, the event bytes
    /// when supplied, and the inclusion proof against the checkpoint root.
    /// </summary>
    public static ReceiptVerification Verify(string json, string? trustedVerifierKey = null, ReadOnlySpan<byte> canonicalEventBytes = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        var receipt = Receipt.Parse(json, out var parseError);
        if (receipt is null)
        {
            return new(ReceiptStatus.Malformed, parseError!, false, null, null);
        }

        bool trusted = trustedVerifierKey is not null;
        if (!NoteVerifier.TryParse(trustedVerifierKey ?? receipt.VerifierKey, out var verifier, out var keyError))
        {
            return new(ReceiptStatus.MalformedVerifierKey, keyError!, trusted, receipt, null);
        }

        if (trusted && receipt.VerifierKey != verifier.VerifierKey)
        {
            return new(ReceiptStatus.UntrustedVerifierKey, $"The receipt names key \"{receipt.VerifierKey}\", not the trusted key \"{verifier.VerifierKey}\".", trusted, receipt, null);
        }

        var opened = Checkpoint.Open(receipt.Checkpoint, verifier);
        if (!opened.IsValid)
        {
            return new(ReceiptStatus.CheckpointInvalid, $"The checkpoint is rejected: {opened.Detail}", trusted, receipt, null);
        }

        var checkpoint = opened.Checkpoint;
        if (checkpoint.Origin != receipt.Origin)
        {
            return Fail(ReceiptStatus.OriginMismatch, $"The checkpoint origin \"{checkpoint.Origin}\" is not the receipt origin \"{receipt.Origin}\".");
        }

        if (receipt.LeafIndex >= checkpoint.Size)
        {
            return Fail(ReceiptStatus.LeafIndexOutOfRange, $"Leaf index {receipt.LeafIndex} is not below the checkpoint tree size {checkpoint.Size}.");
        }

        if (receipt.Salt is { } salt && receipt.EventHash is { } eventHash)
        {
            var opening = LeafCommitment.FromEventHash(salt.Span, eventHash.Span);
            if (!CryptographicOperations.FixedTimeEquals(opening, receipt.LeafCommitment.Span))
            {
                return Fail(ReceiptStatus.CommitmentMismatch, "The disclosed salt and event hash do not produce the leaf commitment.");
            }

            if (!canonicalEventBytes.IsEmpty
                && !CryptographicOperations.FixedTimeEquals(LeafCommitment.HashEvent(canonicalEventBytes), eventHash.Span))
            {
                return Fail(ReceiptStatus.EventMismatch, "The supplied event bytes do not hash to the receipt's event hash.");
            }
        }
        else if (!canonicalEventBytes.IsEmpty)
        {
            return Fail(ReceiptStatus.EventNotDisclosed, "The receipt discloses no salt, so it cannot bind the supplied event bytes.");
        }

        var leafHash = LeafCommitment.LeafHash(receipt.LeafCommitment.Span);
        if (!MerkleVerifier.VerifyInclusion(leafHash, receipt.LeafIndex, checkpoint.Size, receipt.InclusionProof, checkpoint.RootHash.Span))
        {
            return Fail(ReceiptStatus.InclusionProofInvalid, $"The inclusion proof of leaf {receipt.LeafIndex} does not lead to the root of tree size {checkpoint.Size}.");
        }

        return new(ReceiptStatus.Ok, trusted ? "ok" : "ok, but the checkpoint key was taken from the receipt itself and is not trusted", trusted, receipt, checkpoint);

        ReceiptVerification Fail(ReceiptStatus status, string detail) => new(status, detail, trusted, receipt, checkpoint);
    }
}
