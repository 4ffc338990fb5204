using System.Security.Cryptography;

namespace Sigill.Transparency;

/// <summary>
/// The leaf data of one audit event: a salted, hiding commitment to the event's canonical bytes.
/// <code>
/// eventHash  = SHA-256(canonicalEventBytes)
/// commitment = SHA-256("sigill-audit-leaf-v1\n" || salt[32] || eventHash[32])   (32 bytes)
/// leafHash   = SHA-256(0x00 || commitment)                                       (RFC 6962 leaf)
/// </code>
/// The commitment is the tlog "entry": it is what entry bundles publish, so it must reveal nothing
/// about the event. The salt is 32 random bytes stored encrypted with the event under the
/// organization's key; crypto-shredding the organization destroys salt and details together, and
/// what remains public (commitment, leaf hash) can no longer be linked to any candidate event, even
/// a low-entropy one, because guessing it needs the 256-bit salt. Leaving the salt out of the public
/// entry is why the commitment is a hash rather than the concatenation itself.
/// </summary>
public static class LeafCommitment
{
    /// <summary>Length of the random salt in bytes.</summary>
    public const int SaltSize = 32;

    /// <summary>Length of the commitment (the leaf data) in bytes.</summary>
    public const int Size = 32;

    /// <summary>Domain-separation prefix, ASCII "sigill-audit-leaf-v1" followed by a line feed.</summary>
    public static ReadOnlySpan<byte> DomainPrefix => "sigill-audit-leaf-v1\n"u8;

    /// <summary>Returns 32 fresh random bytes from the operating system CSPRNG.</summary>
    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltSize);

    /// <summary>SHA-256 of the canonical event bytes.</summary>
    public static byte[] HashEvent(ReadOnlySpan<byte> canonicalEventBytes) => SHA256.HashData(canonicalEventBytes);

    /// <summary>Computes the commitment from the salt and the canonical event bytes.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> canonicalEventBytes)
    {
        Span<byte> eventHash = stackalloc byte[32];
        SHA256.HashData(canonicalEventBytes, eventHash);
        return FromEventHash(salt, eventHash);
    }

    /// <summary>Computes the commitment from the salt and SHA-256(canonical event bytes).</summary>
    public static byte[] FromEventHash(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> eventHash)
    {
        var result = new byte[Size];
        FromEventHash(salt, eventHash, result);
        return result;
    }

    /// <summary>Writes the commitment for (salt, eventHash) to <paramref name="destination"/>.</summary>
    public static void FromEventHash(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> eventHash, Span<byte> destination)
    {
        if (salt.Length != SaltSize)
        {
            throw new ArgumentException("The salt must be 32 bytes.", nameof(salt));
        }

        if (eventHash.Length != 32)
        {
            throw new ArgumentException("The event hash must be a 32-byte SHA-256.", nameof(eventHash));
        }

        var prefix = DomainPrefix;
        Span<byte> buffer = stackalloc byte[prefix.Length + SaltSize + 32];
        prefix.CopyTo(buffer);
        salt.CopyTo(buffer[prefix.Length..]);
        eventHash.CopyTo(buffer[(prefix.Length + SaltSize)..]);
        SHA256.HashData(buffer, destination);
    }

    /// <summary>The RFC 6962 leaf hash of a commitment: SHA-256(0x00 || commitment).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> commitment)
    {
        if (commitment.Length != Size)
        {
            throw new ArgumentException("A commitment is 32 bytes.", nameof(commitment));
        }

        return MerkleHash.Leaf(commitment);
    }
}
