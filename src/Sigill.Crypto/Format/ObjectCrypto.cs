using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sigill.Crypto;

/// <summary>
/// Key derivations of the object format. HKDF is HKDF-SHA256 (RFC 5869); AEAD is AES-256-GCM with 16-byte tags.
/// <para>
/// D   = SHA-256("sigill/object/v1/header" || P || enc(ctx))                   header digest, the AAD of every chunk
/// okm = HKDF-Expand(PRK = data key, "sigill/object/v1/keys" || object salt || D, 64)
/// commitment = okm[0..32] (checked before any chunk is opened), chunk key = okm[32..64]
/// wrap key   = HKDF-Expand(PRK = org key, "sigill/object/v1/wrap-key" || wrap salt || D || u32 version, 32)
/// wrapped    = AES-256-GCM(wrap key, nonce = 12 zero bytes, data key, AAD = D || u32 version)
/// </para>
/// Data keys and organization keys are 32 uniformly random bytes (the hash length), so HKDF-Extract is skipped
/// (RFC 5869 section 3.3) and the random salts go into info; this keeps the per-object cost to two HMAC calls.
/// The wrap key is unique per wrap (128-bit random wrap salt) and the chunk key unique per object (fresh random
/// data key), so neither key ever sees more than one nonce sequence. That is why a fixed nonce is safe for the wrap
/// and a counter nonce is safe for chunks; the organization key itself is never used as an AES key.
/// </summary>
internal static class ObjectCrypto
{
    public static byte[] ContextHint(byte[] encodedContext)
    {
        var h = Binding.Sha256("sigill/object/v1/context-hint", encodedContext, default);
        return h.AsSpan(0, ObjectHeader.HintLength).ToArray();
    }

    public static byte[] HeaderDigest(ReadOnlySpan<byte> parameters, byte[] encodedContext)
        => Binding.Sha256("sigill/object/v1/header", parameters, encodedContext);

    /// <summary>Derives commitment and chunk key from the data key.</summary>
    public static void DeriveObjectKeys(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> digest, Span<byte> commitment, Span<byte> chunkKey)
    {
        ReadOnlySpan<byte> label = "sigill/object/v1/keys"u8;
        Span<byte> info = stackalloc byte[label.Length + ObjectHeader.SaltLength + 32];
        Span<byte> okm = stackalloc byte[64];
        try
        {
            label.CopyTo(info);
            salt.CopyTo(info[label.Length..]);
            digest.CopyTo(info[(label.Length + salt.Length)..]);
            ExpandSha256(dataKey, info[..(label.Length + salt.Length + digest.Length)], okm);
            okm[..32].CopyTo(commitment);
            okm[32..].CopyTo(chunkKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(okm);
        }
    }

    public static void WrapDataKey(ReadOnlySpan<byte> orgKey, uint version, ReadOnlySpan<byte> wrapSalt, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> dataKey, Span<byte> wrapped)
    {
        Span<byte> wrapKey = stackalloc byte[32];
        Span<byte> aad = stackalloc byte[36];
        try
        {
            DeriveWrapKey(orgKey, version, wrapSalt, digest, wrapKey);
            digest.CopyTo(aad);
            BinaryPrimitives.WriteUInt32BigEndian(aad[32..], version);
            using var gcm = new AesGcm(wrapKey, ObjectHeader.TagLength);
            Span<byte> nonce = stackalloc byte[12];
            nonce.Clear();
            gcm.Encrypt(nonce, dataKey, wrapped[..ObjectHeader.KeyLength], wrapped.Slice(ObjectHeader.KeyLength, ObjectHeader.TagLength), aad);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrapKey);
        }
    }

    public static bool TryUnwrapDataKey(ReadOnlySpan<byte> orgKey, uint version, ReadOnlySpan<byte> wrapSalt, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> wrapped, Span<byte> dataKey)
    {
        Span<byte> wrapKey = stackalloc byte[32];
        Span<byte> aad = stackalloc byte[36];
        try
        {
            DeriveWrapKey(orgKey, version, wrapSalt, digest, wrapKey);
            digest.CopyTo(aad);
            BinaryPrimitives.WriteUInt32BigEndian(aad[32..], version);
            using var gcm = new AesGcm(wrapKey, ObjectHeader.TagLength);
            Span<byte> nonce = stackalloc byte[12];
            nonce.Clear();
            gcm.Decrypt(nonce, wrapped[..ObjectHeader.KeyLength], wrapped.Slice(ObjectHeader.KeyLength, ObjectHeader.TagLength), dataKey, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(dataKey);
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrapKey);
        }
    }

    private static void DeriveWrapKey(ReadOnlySpan<byte> orgKey, uint version, ReadOnlySpan<byte> wrapSalt, ReadOnlySpan<byte> digest, Span<byte> wrapKey)
    {
        ReadOnlySpan<byte> label = "sigill/object/v1/wrap-key"u8;
        Span<byte> info = stackalloc byte[label.Length + ObjectHeader.WrapSaltLength + 32 + 4];
        label.CopyTo(info);
        wrapSalt.CopyTo(info[label.Length..]);
        digest.CopyTo(info[(label.Length + ObjectHeader.WrapSaltLength)..]);
        BinaryPrimitives.WriteUInt32BigEndian(info[(label.Length + ObjectHeader.WrapSaltLength + 32)..], version);
        ExpandSha256(orgKey, info, wrapKey);
    }

    /// <summary>
    /// HKDF-Expand with SHA-256 (RFC 5869 section 2.3), output up to 64 bytes: T(1) = HMAC(PRK, info || 0x01),
    /// T(2) = HMAC(PRK, T(1) || info || 0x02). The same bytes as <see cref="HKDF.Expand(HashAlgorithmName, ReadOnlySpan{byte}, Span{byte}, ReadOnlySpan{byte})"/>,
    /// computed with one-shot HMACs: on OpenSSL 3 that avoids a KDF fetch and parameter parsing on every object.
    /// </summary>
    internal static void ExpandSha256(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.Length is 0 or > 64 || info.Length > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(output), "HKDF-Expand here yields 1 to 64 bytes from at most 256 bytes of info.");
        }
        Span<byte> input = stackalloc byte[32 + 256 + 1];
        Span<byte> block = stackalloc byte[32];
        try
        {
            info.CopyTo(input);
            input[info.Length] = 1;
            HMACSHA256.HashData(prk, input[..(info.Length + 1)], block);
            block[..Math.Min(32, output.Length)].CopyTo(output);
            if (output.Length > 32)
            {
                block.CopyTo(input);
                info.CopyTo(input[32..]);
                input[32 + info.Length] = 2;
                HMACSHA256.HashData(prk, input[..(32 + info.Length + 1)], block);
                block[..(output.Length - 32)].CopyTo(output[32..]);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(input);
        }
    }
}
