using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Sigill.Api.Platform.Cells;

/// <summary>
/// Identifiers carry the region of the cell that owns the record, so every tier can route a request
/// without a global database: <c>{kind}_{region}_{26 chars of Crockford base32}</c>, e.g.
/// <c>org_eu_0k5q3r8w1xhh7n2c6d9f4g3b1a</c>. The random part is 128 bits from the OS CSPRNG.
/// A parsed region is only a routing hint: the cell still has to find the record, and a handler
/// must compare it with the caller's region before touching a cell.
/// </summary>
public static class SigillId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int RandomChars = 26;

    public static string New(string kind, string region)
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return $"{kind}_{region}_{Base32(random)}";
    }

    /// <summary>Lower-case Crockford base32 without padding.</summary>
    public static string Base32(ReadOnlySpan<byte> data)
    {
        var chars = new char[(data.Length * 8 + 4) / 5];
        int buffer = 0, bits = 0, n = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0)
        {
            chars[n++] = Alphabet[(buffer << (5 - bits)) & 31];
        }
        return new string(chars, 0, n);
    }

    public static bool TryParse(string? value, string expectedKind, [NotNullWhen(true)] out string? region)
    {
        region = null;
        if (string.IsNullOrEmpty(value) || value.Length > 64)
        {
            return false;
        }
        var parts = value.Split('_');
        if (parts.Length != 3 || parts[0] != expectedKind || !RegionName.IsWellFormed(parts[1])
            || parts[2].Length != RandomChars || !parts[2].All(c => Alphabet.Contains(c, StringComparison.Ordinal)))
        {
            return false;
        }
        region = parts[1];
        return true;
    }
}
