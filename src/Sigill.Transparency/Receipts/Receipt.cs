using System.Text;
using System.Text.Json;

namespace Sigill.Transparency;

/// <summary>
/// A self-contained, offline-verifiable proof that one audit event is in a region's log.
/// JSON, UTF-8, every binary value standard padded base64:
/// <code>
/// {
///   "format": "sigill-audit-receipt-v1",
///   "origin": "&lt;log origin&gt;",
///   "leafIndex": &lt;0-based index&gt;,
///   "leafCommitment": "&lt;32-byte commitment: the leaf data&gt;",
///   "salt": "&lt;32-byte salt&gt;",              // optional, with eventHash: opens the commitment
///   "eventHash": "&lt;SHA-256 of canonical event bytes&gt;",   // optional
///   "inclusionProof": ["&lt;32-byte hash&gt;", ...],   // RFC 9162 PATH, leaf sibling first
///   "checkpoint": "&lt;signed checkpoint note text&gt;",
///   "verifierKey": "&lt;name+hex8+base64 verifier key&gt;"
/// }
/// </code>
/// The tree size and root come only from the signed checkpoint.
/// </summary>
public sealed class Receipt
{
    /// <summary>The value of the "format" member.</summary>
    public const string FormatV1 = "sigill-audit-receipt-v1";

    private const int MaxJsonBytes = 1 << 20;

    private static readonly HashSet<string> KnownMembers =
        ["format", "origin", "leafIndex", "leafCommitment", "salt", "eventHash", "inclusionProof", "checkpoint", "verifierKey"];

    private Receipt(
        string origin, long leafIndex, byte[] leafCommitment, byte[]? salt, byte[]? eventHash,
        byte[][] inclusionProof, string checkpoint, string verifierKey)
    {
        Origin = origin;
        LeafIndex = leafIndex;
        LeafCommitment = leafCommitment;
        // Assign only when present: a null byte[] converts implicitly to an empty, non-null
        // ReadOnlyMemory<byte>?, which would read as a disclosed empty salt.
        if (salt is not null && eventHash is not null)
        {
            Salt = salt;
            EventHash = eventHash;
        }
        InclusionProof = inclusionProof;
        Checkpoint = checkpoint;
        VerifierKey = verifierKey;
    }

    /// <summary>The log's origin line.</summary>
    public string Origin { get; }

    /// <summary>The event's leaf index.</summary>
    public long LeafIndex { get; }

    /// <summary>The 32-byte leaf commitment (the entry data).</summary>
    public ReadOnlyMemory<byte> LeafCommitment { get; }

    /// <summary>The disclosed salt, or null.</summary>
    public ReadOnlyMemory<byte>? Salt { get; }

    /// <summary>The disclosed SHA-256 of the canonical event bytes, or null.</summary>
    public ReadOnlyMemory<byte>? EventHash { get; }

    /// <summary>The inclusion proof against the checkpoint's tree.</summary>
    public IReadOnlyList<byte[]> InclusionProof { get; }

    /// <summary>The signed checkpoint note text.</summary>
    public string Checkpoint { get; }

    /// <summary>The verifier key the log claims; trust it only if you obtained it independently.</summary>
    public string VerifierKey { get; }

    /// <summary>
    /// Builds a receipt. <paramref name="inclusionProof"/> must be for the size in
    /// <paramref name="signedCheckpoint"/> (MerkleTree.InclusionProof(leafIndex, checkpoint.Size)).
    /// Pass <paramref name="salt"/> and <paramref name="eventHash"/> to let the holder prove which
    /// event the leaf commits to; omit both to prove only that the leaf is logged.
    /// </summary>
    public static Receipt Create(
        string origin, long leafIndex, ReadOnlySpan<byte> leafCommitment, IReadOnlyList<byte[]> inclusionProof,
        string signedCheckpoint, string verifierKey, ReadOnlySpan<byte> salt = default, ReadOnlySpan<byte> eventHash = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        ArgumentOutOfRangeException.ThrowIfNegative(leafIndex);
        ArgumentNullException.ThrowIfNull(inclusionProof);
        ArgumentException.ThrowIfNullOrEmpty(signedCheckpoint);
        ArgumentException.ThrowIfNullOrEmpty(verifierKey);
        if (leafCommitment.Length != Sigill.Transparency.LeafCommitment.Size)
        {
            throw new ArgumentException("The leaf commitment is 32 bytes.", nameof(leafCommitment));
        }

        if (salt.IsEmpty != eventHash.IsEmpty)
        {
            throw new ArgumentException("Disclose the salt and the event hash together or not at all.", nameof(salt));
        }

        if (!salt.IsEmpty && (salt.Length != Sigill.Transparency.LeafCommitment.SaltSize || eventHash.Length != 32))
        {
            throw new ArgumentException("The salt and the event hash are 32 bytes each.", nameof(salt));
        }

        if (inclusionProof.Any(p => p is null || p.Length != MerkleHash.Size))
        {
            throw new ArgumentException("Inclusion proof hashes are 32 bytes.", nameof(inclusionProof));
        }

        return new Receipt(
            origin, leafIndex, leafCommitment.ToArray(), salt.IsEmpty ? null : salt.ToArray(),
            eventHash.IsEmpty ? null : eventHash.ToArray(), [.. inclusionProof.Select(p => (byte[])p.Clone())],
            signedCheckpoint, verifierKey);
    }

    /// <summary>Serializes the receipt as indented UTF-8 JSON.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatV1);
            json.WriteString("origin", Origin);
            json.WriteNumber("leafIndex", LeafIndex);
            json.WriteBase64String("leafCommitment", LeafCommitment.Span);
            if (Salt is { } salt && EventHash is { } eventHash)
            {
                json.WriteBase64String("salt", salt.Span);
                json.WriteBase64String("eventHash", eventHash.Span);
            }

            json.WriteStartArray("inclusionProof");
            foreach (var hash in InclusionProof)
            {
                json.WriteBase64StringValue(hash);
            }

            json.WriteEndArray();
            json.WriteString("checkpoint", Checkpoint);
            json.WriteString("verifierKey", VerifierKey);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Parses receipt JSON strictly: known members only, each at most once, every binary value
    /// canonical base64 of the right length. Returns null and a reason when malformed.
    /// </summary>
    public static Receipt? Parse(string json, out string? error)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Encoding.UTF8.GetByteCount(json) > MaxJsonBytes)
        {
            error = "The receipt is larger than 1 MiB.";
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4 });
            return FromElement(document.RootElement, out error);
        }
        catch (JsonException)
        {
            error = "The receipt is not valid JSON.";
            return null;
        }
        catch (InvalidOperationException)
        {
            // JsonDocument accepts an escaped lone surrogate ("\udc20"); only reading the string refuses it.
            error = "The receipt holds a string that is not valid UTF-16.";
            return null;
        }
    }

    private static Receipt? FromElement(JsonElement root, out string? error)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "The receipt is not a JSON object.";
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in root.EnumerateObject())
        {
            if (!KnownMembers.Contains(member.Name) || !seen.Add(member.Name))
            {
                error = $"The receipt has an unknown or repeated member \"{member.Name}\".";
                return null;
            }
        }

        if (String(root, "format") != FormatV1)
        {
            error = $"The receipt format is not \"{FormatV1}\".";
            return null;
        }

        var origin = String(root, "origin");
        var checkpoint = String(root, "checkpoint");
        var verifierKey = String(root, "verifierKey");
        if (string.IsNullOrEmpty(origin) || string.IsNullOrEmpty(checkpoint) || string.IsNullOrEmpty(verifierKey))
        {
            error = "The receipt lacks its origin, checkpoint or verifier key.";
            return null;
        }

        if (!root.TryGetProperty("leafIndex", out var indexElement) || indexElement.ValueKind != JsonValueKind.Number
            || !indexElement.TryGetInt64(out long leafIndex) || leafIndex < 0)
        {
            error = "The receipt leaf index is not a non-negative integer.";
            return null;
        }

        var commitment = Hash(root, "leafCommitment");
        if (commitment is null)
        {
            error = "The receipt leaf commitment is not base64 of 32 bytes.";
            return null;
        }

        bool hasSalt = root.TryGetProperty("salt", out _);
        bool hasEventHash = root.TryGetProperty("eventHash", out _);
        var salt = hasSalt ? Hash(root, "salt") : null;
        var eventHash = hasEventHash ? Hash(root, "eventHash") : null;
        if (hasSalt != hasEventHash || (hasSalt && (salt is null || eventHash is null)))
        {
            error = "The receipt must disclose both salt and event hash, each base64 of 32 bytes, or neither.";
            return null;
        }

        if (!root.TryGetProperty("inclusionProof", out var proofElement) || proofElement.ValueKind != JsonValueKind.Array
            || proofElement.GetArrayLength() > 64)
        {
            error = "The receipt inclusion proof is not an array of at most 64 hashes.";
            return null;
        }

        var proof = new List<byte[]>();
        foreach (var item in proofElement.EnumerateArray())
        {
            var hash = item.ValueKind == JsonValueKind.String ? StrictBase64.Decode(item.GetString()!) : null;
            if (hash is null || hash.Length != MerkleHash.Size)
            {
                error = $"Inclusion proof hash {proof.Count} is not base64 of 32 bytes.";
                return null;
            }

            proof.Add(hash);
        }

        error = null;
        return new Receipt(origin, leafIndex, commitment, salt, eventHash, [.. proof], checkpoint, verifierKey);
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Hash(JsonElement root, string name)
    {
        var text = String(root, name);
        var bytes = text is null ? null : StrictBase64.Decode(text);
        return bytes is { Length: 32 } ? bytes : null;
    }
}
