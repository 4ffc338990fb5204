namespace Sigill.Crypto;

/// <summary>
/// Holds root keys (one per region cell, versioned) and erasure keys (one per organization). Keys are 256-bit AES
/// keys that never leave the provider; callers only ask it to wrap and unwrap other keys.
/// Key identifiers carry environment and region, e.g. <c>production/eu/root/v3</c> or
/// <c>production/eu/erasure/org_123</c>; implementations bind the key identifier into every wrap, and callers bind
/// their own context through <c>associatedData</c>.
/// </summary>
public interface IKeyProvider
{
    /// <summary>Short name for status and logs, e.g. "file-keyring" or "pkcs11".</summary>
    string Name { get; }

    /// <summary>Generates a new 256-bit key under <paramref name="keyId"/>. Fails if the identifier exists or was destroyed.</summary>
    Task CreateKeyAsync(string keyId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Generates the key unless it exists; true when this call created it. Fails if the identifier was destroyed. The
    /// file keyring makes this atomic across processes sharing it; a provider that cannot gets this check-then-create.
    /// </summary>
    async Task<bool> CreateKeyIfMissingAsync(string keyId, CancellationToken cancellationToken = default)
    {
        if (await KeyExistsAsync(keyId, cancellationToken))
        {
            return false;
        }

        await CreateKeyAsync(keyId, cancellationToken);
        return true;
    }

    Task<bool> KeyExistsAsync(string keyId, CancellationToken cancellationToken = default);

    /// <summary>Identifiers of live keys starting with <paramref name="prefix"/>, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Encrypts and authenticates a key (32 bytes, or an already wrapped key) under <paramref name="keyId"/>.</summary>
    Task<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> plaintextKey, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reverses <see cref="WrapAsync"/>. Throws <see cref="CryptoIntegrityException"/> with
    /// <see cref="CryptoFailureReason.KeyDestroyed"/> when the key is gone and <see cref="CryptoFailureReason.WrongKey"/>
    /// when authentication fails.
    /// </summary>
    Task<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken = default);

    /// <summary>Destroys the key irrevocably. Returns false when it did not exist.</summary>
    Task<bool> DestroyKeyAsync(string keyId, CancellationToken cancellationToken = default);
}
