using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Sigill.Transparency;

/// <summary>An Ed25519 verifier parsed from a C2SP verifier key string "name+hex8+base64(0x01||publicKey)".</summary>
public sealed class NoteVerifier
{
    private readonly byte[] publicKey;

    private NoteVerifier(string name, uint keyHash, byte[] publicKey, string verifierKey)
    {
        Name = name;
        KeyHash = keyHash;
        this.publicKey = publicKey;
        VerifierKey = verifierKey;
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The 4-byte key id.</summary>
    public uint KeyHash { get; }

    /// <summary>The verifier key string this verifier was parsed from.</summary>
    public string VerifierKey { get; }

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public ReadOnlyMemory<byte> PublicKey => publicKey;

    /// <summary>Parses a verifier key; throws <see cref="FormatException"/> when malformed or when
    /// the key hash does not match the name and key.</summary>
    public static NoteVerifier Parse(string verifierKey) =>
        TryParse(verifierKey, out var verifier, out var error) ? verifier : throw new FormatException(error);

    /// <summary>Parses a verifier key without throwing.</summary>
    public static bool TryParse(string? verifierKey, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NoteVerifier? verifier, out string? error)
    {
        verifier = null;
        // The base64 key data may itself contain '+', so split into at most three parts.
        var parts = verifierKey?.Split('+', 3);
        if (parts is null || parts.Length != 3)
        {
            error = "A verifier key is <name>+<hex8>+<base64>.";
            return false;
        }

        if (!NoteKeys.IsValidName(parts[0]))
        {
            error = "The verifier key name is empty or contains white space or '+'.";
            return false;
        }

        if (!NoteKeys.TryParseHex(parts[1], out var hash))
        {
            error = "The verifier key hash is not 8 hexadecimal digits.";
            return false;
        }

        var key = NoteKeys.DecodeKeyData(parts[2]);
        if (key is null)
        {
            error = "The verifier key data is not base64(0x01 || 32-byte Ed25519 public key).";
            return false;
        }

        if (NoteKeys.KeyHash(parts[0], key) != hash)
        {
            error = "The verifier key hash does not match its name and key.";
            return false;
        }

        verifier = new NoteVerifier(parts[0], hash, key, verifierKey!);
        error = null;
        return true;
    }

    /// <summary>True when <paramref name="signature"/> is a valid Ed25519 signature of
    /// <paramref name="message"/> under this key.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != NoteKeys.Ed25519SignatureSize)
        {
            return false;
        }

        return Ed25519.Verify(signature.ToArray(), 0, publicKey, 0, message.ToArray(), 0, message.Length);
    }
}
