using System.Buffers.Binary;
using System.Text;

namespace Sigill.Transparency;

/// <summary>Why a signed note was rejected.</summary>
public enum NoteError
{
    /// <summary>The note opened: at least one known key signed it and every known signature verified.</summary>
    None,

    /// <summary>The text is not a well-formed signed note (encoding, newlines, signature lines).</summary>
    Malformed,

    /// <summary>No signature by any of the given keys was found.</summary>
    NoKnownSignature,

    /// <summary>A signature by one of the given keys does not verify.</summary>
    InvalidSignature,
}

/// <summary>One signature line of a note.</summary>
/// <param name="Name">The key name on the line.</param>
/// <param name="KeyHash">The 4-byte key id from the signature.</param>
/// <param name="Base64">The base64 of (key id || signature) exactly as written.</param>
public sealed record NoteSignature(string Name, uint KeyHash, string Base64);

/// <summary>The outcome of <see cref="SignedNote.Open"/>.</summary>
public sealed record NoteOpenResult(
    NoteError Error,
    string Detail,
    string? Body,
    IReadOnlyList<NoteSignature> VerifiedSignatures,
    IReadOnlyList<NoteSignature> UnverifiedSignatures)
{
    /// <summary>True when <see cref="Error"/> is <see cref="NoteError.None"/>.</summary>
    public bool IsValid => Error == NoteError.None;
}

/// <summary>
/// C2SP signed-note (https://c2sp.org/signed-note), Ed25519 only:
/// <code>
/// note      = body "\n" signature+            ; body is non-empty and ends in "\n"
/// signature = "— " name " " base64(keyHash[4, big-endian] || ed25519(body)[64]) "\n"
/// </code>
/// "—" is U+2014 EM DASH. The signed message is the body's UTF-8 bytes, including its final
/// newline. The text must be valid UTF-8 without control characters other than "\n". Opening is
/// strict: any malformed line rejects the whole note; signatures by unknown keys are ignored, but
/// at least one given key must have signed and every signature by a given key must verify.
/// </summary>
public static class SignedNote
{
    private const string SignaturePrefix = "\u2014 ";
    private const int MaxSignatures = 100;

    /// <summary>Signs <paramref name="body"/> (which must end in "\n") with each signer and
    /// returns the complete note text.</summary>
    public static string Sign(string body, params IReadOnlyList<NoteSigner> signers)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(signers);
        if (!IsValidBody(body))
        {
            throw new ArgumentException("A note body is non-empty text ending in a newline, without control characters or blank final line.", nameof(body));
        }

        if (signers.Count == 0)
        {
            throw new ArgumentException("A signed note needs at least one signature.", nameof(signers));
        }

        var message = Encoding.UTF8.GetBytes(body);
        var text = new StringBuilder(body).Append('\n');
        foreach (var signer in signers)
        {
            var signature = new byte[4 + NoteKeys.Ed25519SignatureSize];
            BinaryPrimitives.WriteUInt32BigEndian(signature, signer.KeyHash);
            signer.Sign(message).CopyTo(signature, 4);
            text.Append(SignaturePrefix).Append(signer.Name).Append(' ').Append(Convert.ToBase64String(signature)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Splits and verifies a signed note against <paramref name="verifiers"/>.</summary>
    public static NoteOpenResult Open(string text, params IReadOnlyCollection<NoteVerifier> verifiers)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(verifiers);
        if (!IsValidText(text) || !text.EndsWith('\n'))
        {
            return Fail(NoteError.Malformed, "The note is not UTF-8 text ending in a newline without control characters.");
        }

        // The signatures follow the last blank line; the body keeps its final newline.
        int split = text.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return Fail(NoteError.Malformed, "The note has no blank line before its signatures.");
        }

        string body = text[..(split + 1)];
        string signatureBlock = text[(split + 2)..];
        if (signatureBlock.Length == 0)
        {
            return Fail(NoteError.Malformed, "The note has no signature lines.");
        }

        var message = Encoding.UTF8.GetBytes(body);
        var verified = new List<NoteSignature>();
        var unverified = new List<NoteSignature>();
        var seen = new HashSet<(string, uint)>();
        var lines = signatureBlock[..^1].Split('\n');
        if (lines.Length > MaxSignatures)
        {
            return Fail(NoteError.Malformed, $"The note has more than {MaxSignatures} signatures.");
        }

        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
            {
                return Fail(NoteError.Malformed, $"Signature line {i + 1} does not start with an em dash and a space.");
            }

            var rest = line[SignaturePrefix.Length..];
            int space = rest.IndexOf(' ', StringComparison.Ordinal);
            string name = space < 0 ? rest : rest[..space];
            string b64 = space < 0 ? string.Empty : rest[(space + 1)..];
            var raw = StrictBase64.Decode(b64);
            if (!NoteKeys.IsValidName(name) || raw is null || raw.Length < 5)
            {
                return Fail(NoteError.Malformed, $"Signature line {i + 1} is not \"— <name> <base64>\".");
            }

            uint keyHash = BinaryPrimitives.ReadUInt32BigEndian(raw);
            var signature = new NoteSignature(name, keyHash, b64);
            var verifier = verifiers.FirstOrDefault(v => v.Name == name && v.KeyHash == keyHash);
            if (verifier is null)
            {
                unverified.Add(signature);
                continue;
            }

            if (!seen.Add((name, keyHash)))
            {
                return Fail(NoteError.Malformed, $"Signature line {i + 1} repeats a signature by {name}.");
            }

            if (!verifier.Verify(message, raw.AsSpan(4)))
            {
                return Fail(NoteError.InvalidSignature, $"The signature by {name} ({NoteKeys.Hex(keyHash)}) does not verify.");
            }

            verified.Add(signature);
        }

        if (verified.Count == 0)
        {
            return Fail(NoteError.NoKnownSignature, "No signature by a trusted key was found.");
        }

        return new NoteOpenResult(NoteError.None, "ok", body, verified, unverified);
    }

    internal static bool IsValidBody(string body) =>
        body.Length > 0 && body.EndsWith('\n') && !body.EndsWith("\n\n", StringComparison.Ordinal)
        && body != "\n" && IsValidText(body);

    private static bool IsValidText(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if ((rune.Value < 0x20 && rune.Value != '\n') || rune.Value == 0x7F || rune == Rune.ReplacementChar)
            {
                return false;
            }
        }

        return true;
    }

    private static NoteOpenResult Fail(NoteError error, string detail) => new(error, detail, null, [], []);
}
