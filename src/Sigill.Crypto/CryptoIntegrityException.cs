namespace Sigill.Crypto;

/// <summary>Why a decryption (or a key operation guarding one) was refused. Values are stable: alerts and dashboards key on them.</summary>
public enum CryptoFailureReason
{
    /// <summary>The key named by the ciphertext does not open it: the header was altered, or the key is not the one it was written with.</summary>
    WrongKey = 1,

    /// <summary>A byte of the ciphertext was changed, a chunk was moved, or data was appended.</summary>
    Tampered = 2,

    /// <summary>The ciphertext ends early: its final chunk is missing.</summary>
    Truncated = 3,

    /// <summary>The ciphertext belongs to another region, organization, object, version or purpose.</summary>
    WrongContext = 4,

    /// <summary>The keys that protected the data were destroyed (crypto-shredding), or never existed in this cell.</summary>
    KeyDestroyed = 5,

    /// <summary>The ciphertext names an organization-key version this cell does not hold.</summary>
    UnknownVersion = 6,

    /// <summary>A key reached its usage bound; rotate the organization key.</summary>
    UsageLimitExceeded = 7,

    /// <summary>Not a Sigill ciphertext, or a format version this build cannot read.</summary>
    UnsupportedFormat = 8,
}

/// <summary>
/// The one exception Sigill.Crypto throws outward when data cannot be authenticated or its keys cannot be used.
/// The message carries identifiers only, never plaintext or key bytes. Decryption never returns unauthenticated bytes
/// in place of this exception.
/// </summary>
public sealed class CryptoIntegrityException : Exception
{
    public CryptoIntegrityException()
    {
    }

    public CryptoIntegrityException(string message)
        : base(message)
    {
    }

    public CryptoIntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CryptoIntegrityException(CryptoFailureReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public CryptoFailureReason Reason { get; } = CryptoFailureReason.Tampered;
}
