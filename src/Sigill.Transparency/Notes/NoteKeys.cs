using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sigill.Transparency;

/// <summary>
/// Key naming and encoding shared by signers and verifiers, as in C2SP signed-note and
/// golang.org/x/mod/sumdb/note:
/// <code>
/// key hash      = first 4 bytes of SHA-256(name || 0x0A || 0x01 || publicKey[32]), big-endian uint32
/// verifier key  = name "+" hex8(keyHash) "+" base64(0x01 || publicKey)
/// signer key    = "PRIVATE+KEY+" name "+" hex8(keyHash) "+" base64(0x01 || seed)
/// </code>
/// 0x01 is the signature-algorithm byte for Ed25519. Names are non-empty, valid UTF-8, and contain
/// neither Unicode white space nor '+'.
/// </summary>
internal static class NoteKeys
{
    internal const byte Ed25519Algorithm = 0x01;
    internal const int Ed25519KeySize = 32;
    internal const int Ed25519SignatureSize = 64;

    internal static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('+', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune) || rune == Rune.ReplacementChar)
            {
                return false;
            }
        }

        // EnumerateRunes yields U+FFFD for lone surrogates, so this also rejects invalid UTF-16.
        return true;
    }

    internal static uint KeyHash(string name, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = 0x0A;
        input[nameBytes.Length + 1] = Ed25519Algorithm;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(digest);
    }

    internal static string Hex(uint keyHash) => keyHash.ToString("x8", CultureInfo.InvariantCulture);

    internal static bool TryParseHex(string text, out uint keyHash)
    {
        keyHash = 0;
        if (text.Length != 8)
        {
            return false;
        }

        foreach (var c in text)
        {
            // Lowercase only: the one spelling Hex() produces.
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out keyHash);
    }

    /// <summary>Decodes base64(0x01 || 32 bytes), strictly (canonical padding, no white space).</summary>
    internal static byte[]? DecodeKeyData(string text)
    {
        var bytes = StrictBase64.Decode(text);
        if (bytes is null || bytes.Length != 1 + Ed25519KeySize || bytes[0] != Ed25519Algorithm)
        {
            return null;
        }

        return bytes[1..];
    }

    internal static string EncodeKeyData(ReadOnlySpan<byte> key)
    {
        var bytes = new byte[1 + key.Length];
        bytes[0] = Ed25519Algorithm;
        key.CopyTo(bytes.AsSpan(1));
        var text = Convert.ToBase64String(bytes);
        CryptographicOperations.ZeroMemory(bytes);
        return text;
    }
}

/// <summary>Standard base64 with padding, rejecting white space and non-canonical encodings, so
/// that one value has exactly one accepted spelling.</summary>
internal static class StrictBase64
{
    internal static byte[]? Decode(string text)
    {
        if (text.Length == 0 || text.Length % 4 != 0)
        {
            return null;
        }

        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/' || c == '='))
            {
                return null;
            }
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }

        return Convert.ToBase64String(bytes) == text ? bytes : null;
    }
}
