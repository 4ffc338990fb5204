using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Sigill.Transparency;

/// <summary>
/// A C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed-note body
/// <code>
/// &lt;origin&gt;\n
/// &lt;tree size, ASCII decimal, no sign, no leading zeros&gt;\n
/// &lt;root hash, standard padded base64 of 32 bytes&gt;\n
/// [&lt;extension line&gt;\n]*     ; non-empty, opaque to this parser
/// </code>
/// Sigill's origin is "&lt;installation host&gt;/&lt;installation id&gt;/audit/&lt;region&gt;", and the
/// log key is named after the origin.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>Creates a checkpoint; validates every field.</summary>
    public Checkpoint(string origin, long size, ReadOnlySpan<byte> rootHash, IReadOnlyList<string>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(origin);
        if (origin.Length == 0 || !IsLine(origin))
        {
            throw new ArgumentException("The origin is a non-empty line.", nameof(origin));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (rootHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException("The root hash is 32 bytes.", nameof(rootHash));
        }

        extensions ??= [];
        if (extensions.Any(e => e is null || e.Length == 0 || !IsLine(e)))
        {
            throw new ArgumentException("Extension lines are non-empty lines.", nameof(extensions));
        }

        Origin = origin;
        Size = size;
        RootHash = rootHash.ToArray();
        Extensions = [.. extensions];
    }

    /// <summary>The log's origin line, unique per log.</summary>
    public string Origin { get; }

    /// <summary>The tree size the checkpoint commits to.</summary>
    public long Size { get; }

    /// <summary>The 32-byte RFC 6962 root hash of the first <see cref="Size"/> leaves.</summary>
    public ReadOnlyMemory<byte> RootHash { get; }

    /// <summary>Extension lines after the root hash, unparsed.</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>The note body described above.</summary>
    public string ToBody()
    {
        var body = new StringBuilder()
            .Append(Origin).Append('\n')
            .Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String(RootHash.Span)).Append('\n');
        foreach (var line in Extensions)
        {
            body.Append(line).Append('\n');
        }

        return body.ToString();
    }

    /// <summary>Returns the signed note of this checkpoint.</summary>
    public string Sign(params IReadOnlyList<NoteSigner> signers) => SignedNote.Sign(ToBody(), signers);

    /// <summary>Parses a checkpoint body strictly.</summary>
    public static bool TryParse(string body, [NotNullWhen(true)] out Checkpoint? checkpoint, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(body);
        checkpoint = null;
        if (!SignedNote.IsValidBody(body))
        {
            error = "The checkpoint body is not newline-terminated text without control characters.";
            return false;
        }

        var lines = body[..^1].Split('\n');
        if (lines.Length < 3)
        {
            error = "The checkpoint needs an origin, a tree size and a root hash line.";
            return false;
        }

        if (lines[0].Length == 0)
        {
            error = "The checkpoint origin is empty.";
            return false;
        }

        if (!TryParseSize(lines[1], out long size))
        {
            error = "The checkpoint tree size is not a canonical decimal number.";
            return false;
        }

        var root = StrictBase64.Decode(lines[2]);
        if (root is null || root.Length != MerkleHash.Size)
        {
            error = "The checkpoint root hash is not canonical base64 of 32 bytes.";
            return false;
        }

        var extensions = lines[3..];
        if (extensions.Any(e => e.Length == 0))
        {
            error = "The checkpoint has an empty extension line.";
            return false;
        }

        checkpoint = new Checkpoint(lines[0], size, root, extensions);
        error = null;
        return true;
    }

    /// <summary>
    /// Opens a signed checkpoint: verifies the note against <paramref name="verifier"/>, parses the
    /// body, and, when <paramref name="expectedOrigin"/> is given, requires that origin.
    /// </summary>
    public static CheckpointOpenResult Open(string signedNote, NoteVerifier verifier, string? expectedOrigin = null)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        var note = SignedNote.Open(signedNote, verifier);
        if (!note.IsValid)
        {
            return new CheckpointOpenResult(null, note.Error, note.Detail);
        }

        if (!TryParse(note.Body!, out var checkpoint, out var error))
        {
            return new CheckpointOpenResult(null, NoteError.Malformed, error);
        }

        if (expectedOrigin is not null && checkpoint.Origin != expectedOrigin)
        {
            return new CheckpointOpenResult(null, NoteError.Malformed, $"The checkpoint origin is \"{checkpoint.Origin}\", expected \"{expectedOrigin}\".");
        }

        return new CheckpointOpenResult(checkpoint, NoteError.None, "ok");
    }

    private static bool TryParseSize(string text, out long size)
    {
        size = 0;
        if (text.Length == 0 || text.Length > 19 || (text.Length > 1 && text[0] == '0') || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out size);
    }

    private static bool IsLine(string text) => !text.Contains('\n', StringComparison.Ordinal);
}

/// <summary>The outcome of <see cref="Checkpoint.Open"/>.</summary>
/// <param name="Checkpoint">The verified checkpoint, or null.</param>
/// <param name="Error">Why it was rejected.</param>
/// <param name="Detail">A precise, human-readable reason.</param>
public sealed record CheckpointOpenResult(Checkpoint? Checkpoint, NoteError Error, string Detail)
{
    /// <summary>True when the checkpoint is signed by the key and well-formed.</summary>
    [MemberNotNullWhen(true, nameof(Checkpoint))]
    public bool IsValid => Checkpoint is not null;
}
