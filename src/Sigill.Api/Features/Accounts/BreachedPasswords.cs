using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;


namespace Sigill.Api.Features.Accounts;

/// <summary>
/// A compact offline list of passwords known from breaches (tools/breached-passwords/build.py): the first
/// 8 bytes of SHA-256 of each lower-cased password, sorted. Checked case-insensitively at sign-up, password
/// change and invitation acceptance. A 64-bit prefix makes a false match practically impossible.
/// </summary>
public static class BreachedPasswords
{
    private static readonly Lazy<ulong[]> Prefixes = new(Load);

    public static int Count => Prefixes.Value.Length;

    public static bool Contains(string password)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(password.ToLowerInvariant()));
        return Array.BinarySearch(Prefixes.Value, BinaryPrimitives.ReadUInt64BigEndian(digest)) >= 0;
    }

    private static ulong[] Load()
    {
        using var stream = typeof(BreachedPasswords).Assembly.GetManifestResourceStream("Sigill.Api.Features.Accounts.breached-passwords.bin")
            ?? throw new InvalidOperationException("The breached-password list is missing from the build.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var prefixes = new ulong[bytes.Length / 8];
        for (var i = 0; i < prefixes.Length; i++)
        {
            prefixes[i] = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(i * 8, 8));
        }
        return prefixes;
    }
}
