using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Sigill.Transparency;

/// <summary>
/// An Ed25519 signer for C2SP signed notes, built from a 32-byte seed (RFC 8032 private key).
/// The seed is copied, kept only in this object and zeroed on <see cref="Dispose"/>; the caller is
/// expected to store it encrypted under the region's key management.
/// </summary>
public sealed class NoteSigner : IDisposable
{
    private const string PrivateKeyPrefix = "PRIVATE+KEY+";
    private readonly byte[] seed;
    private readonly byte[] publicKey;
    private bool disposed;

    /// <summary>Creates a signer named <paramref name="name"/> from a 32-byte Ed25519 seed.</summary>
    public NoteSigner(string name, ReadOnlySpan<byte> seed)
    {
        if (!NoteKeys.IsValidName(name))
        {
            throw new ArgumentException("A key name must be non-empty and contain neither white space nor '+'.", nameof(name));
        }

        if (seed.Length != NoteKeys.Ed25519KeySize)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed));
        }

        Name = name;
        this.seed = seed.ToArray();
        publicKey = new byte[NoteKeys.Ed25519KeySize];
        Ed25519.GeneratePublicKey(this.seed, 0, publicKey, 0);
        KeyHash = NoteKeys.KeyHash(name, publicKey);
        VerifierKey = $"{name}+{NoteKeys.Hex(KeyHash)}+{NoteKeys.EncodeKeyData(publicKey)}";
    }

    /// <summary>The key name; for a log's checkpoint key, by convention the log's origin.</summary>
    public string Name { get; }

    /// <summary>The 4-byte key id that prefixes every signature.</summary>
    public uint KeyHash { get; }

    /// <summary>The public verifier key string, "name+hex8+base64(0x01||publicKey)", safe to publish.</summary>
    public string VerifierKey { get; }

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public ReadOnlyMemory<byte> PublicKey => publicKey;

    /// <summary>Generates a fresh seed. Returns the signer; persist its seed with
    /// <see cref="ToPrivateKeyString"/> or keep your own copy of the seed.</summary>
    public static NoteSigner Generate(string name)
    {
        var fresh = RandomNumberGenerator.GetBytes(NoteKeys.Ed25519KeySize);
        try
        {
            return new NoteSigner(name, fresh);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fresh);
        }
    }

    /// <summary>Parses "PRIVATE+KEY+name+hex8+base64(0x01||seed)" (golang.org/x/mod/sumdb/note).</summary>
    public static NoteSigner FromPrivateKeyString(string privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (!privateKey.StartsWith(PrivateKeyPrefix, StringComparison.Ordinal))
        {
            throw new FormatException("A signer key starts with PRIVATE+KEY+.");
        }

        var parts = privateKey[PrivateKeyPrefix.Length..].Split('+', 3);
        if (parts.Length != 3 || !NoteKeys.IsValidName(parts[0]) || !NoteKeys.TryParseHex(parts[1], out var hash))
        {
            throw new FormatException("A signer key is PRIVATE+KEY+<name>+<hex8>+<base64>.");
        }

        var keySeed = NoteKeys.DecodeKeyData(parts[2]) ?? throw new FormatException("The signer key data is not base64(0x01 || 32-byte seed).");
        try
        {
            var signer = new NoteSigner(parts[0], keySeed);
            if (signer.KeyHash != hash)
            {
                signer.Dispose();
                throw new FormatException("The signer key hash does not match its name and key.");
            }

            return signer;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keySeed);
        }
    }

    /// <summary>The secret signer key string. Treat it like the seed: never log or store it in clear.</summary>
    public string ToPrivateKeyString()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return $"{PrivateKeyPrefix}{Name}+{NoteKeys.Hex(KeyHash)}+{NoteKeys.EncodeKeyData(seed)}";
    }

    /// <summary>A verifier for this signer's public key.</summary>
    public NoteVerifier ToVerifier() => NoteVerifier.Parse(VerifierKey);

    /// <summary>Signs <paramref name="message"/>; returns the 64-byte Ed25519 signature.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var data = message.ToArray();
        var signature = new byte[NoteKeys.Ed25519SignatureSize];
        Ed25519.Sign(seed, 0, data, 0, data.Length, signature, 0);
        return signature;
    }

    /// <summary>Zeroes the seed.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(seed);
        disposed = true;
    }
}
