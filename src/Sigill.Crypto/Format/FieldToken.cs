using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Sigill.Crypto;

/// <summary>
/// Field tokens: encrypted personal data in database columns, as compact text.
/// <code>
/// token = "f1." || base64url-without-padding( version (4, uint32 BE) || salt (16) || commitment (16) || ciphertext (n) || tag (16) )
/// Df    = SHA-256("sigill/field/v1/context" || str(env) || str(region) || str(org) || str(purpose) || str(recordId or ""))
/// okm   = HKDF-Expand(PRK = organization content key of that version, "sigill/field/v1/keys" || salt || Df, 48)
/// key   = okm[0..32];  commitment = okm[32..48]
/// AES-256-GCM(key, nonce = 12 zero bytes, UTF-8 value, AAD = Df || version)
/// </code>
/// The key is unique per token (128-bit random salt), so the fixed nonce is never repeated under one key.
/// </summary>
internal static class FieldToken
{
    public const string Prefix = "f1.";
    private const int Overhead = 4 + 16 + 16 + 16;

    public static string Seal(string environment, string region, string organizationId, string purpose, string? recordId, ReadOnlySpan<byte> orgKey, int version, string value)
    {
        var plaintext = Binding.StrictUtf8.GetBytes(value);
        var raw = new byte[Overhead + plaintext.Length];
        BinaryPrimitives.WriteUInt32BigEndian(raw, (uint)version);
        RandomNumberGenerator.Fill(raw.AsSpan(4, 16));
        var digest = Digest(environment, region, organizationId, purpose, recordId);
        Span<byte> key = stackalloc byte[32];
        try
        {
            Derive(orgKey, raw.AsSpan(4, 16), digest, key, raw.AsSpan(20, 16));
            using var gcm = new AesGcm(key, 16);
            gcm.Encrypt(stackalloc byte[12], plaintext, raw.AsSpan(36, plaintext.Length), raw.AsSpan(36 + plaintext.Length, 16), Binding.Concat("", digest, (uint)version));
            return Prefix + Base64Url.EncodeToString(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Reads the version a token names; throws UnsupportedFormat for anything that is not a token.</summary>
    public static (int Version, byte[] Raw) Parse(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, "Not a Sigill field token.");
        }

        byte[] raw;
        try
        {
            raw = Base64Url.DecodeFromChars(token.AsSpan(Prefix.Length));
        }
        catch (FormatException ex)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Tampered, "Field token is not valid base64url.", ex);
        }

        if (raw.Length < Overhead)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Truncated, "Field token is too short.");
        }

        var version = BinaryPrimitives.ReadUInt32BigEndian(raw);
        if (version is 0 or > int.MaxValue)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UnknownVersion, "Field token names an invalid key version.");
        }

        return ((int)version, raw);
    }

    public static string Open(string environment, string region, string organizationId, string purpose, string? recordId, ReadOnlySpan<byte> orgKey, int version, byte[] raw)
    {
        var digest = Digest(environment, region, organizationId, purpose, recordId);
        Span<byte> key = stackalloc byte[32];
        Span<byte> commitment = stackalloc byte[16];
        var plaintext = new byte[raw.Length - Overhead];
        try
        {
            Derive(orgKey, raw.AsSpan(4, 16), digest, key, commitment);
            if (!CryptographicOperations.FixedTimeEquals(commitment, raw.AsSpan(20, 16)))
            {
                throw new CryptoIntegrityException(CryptoFailureReason.WrongKey, "Field token does not belong to this key, organization, purpose or record.");
            }

            using var gcm = new AesGcm(key, 16);
            gcm.Decrypt(stackalloc byte[12], raw.AsSpan(36, plaintext.Length), raw.AsSpan(36 + plaintext.Length, 16), plaintext, Binding.Concat("", digest, (uint)version));
            return Binding.StrictUtf8.GetString(plaintext);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Tampered, "Field token failed authentication.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static byte[] Digest(string environment, string region, string organizationId, string purpose, string? recordId)
    {
        var encoded = Binding.Build(string.Empty, environment, region, organizationId, purpose, recordId ?? string.Empty);
        return Binding.Sha256("sigill/field/v1/context", encoded, default);
    }

    private static void Derive(ReadOnlySpan<byte> orgKey, ReadOnlySpan<byte> salt, byte[] digest, Span<byte> key, Span<byte> commitment)
    {
        // The organization key is 32 uniformly random bytes: HKDF-Extract is unnecessary (RFC 5869 section 3.3).
        Span<byte> okm = stackalloc byte[48];
        try
        {
            HKDF.Expand(HashAlgorithmName.SHA256, orgKey, okm, Binding.Concat(Binding.Concat("sigill/field/v1/keys", salt), digest));
            okm[..32].CopyTo(key);
            okm[32..].CopyTo(commitment);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(okm);
        }
    }
}

/// <summary>
/// Blind indexes: <c>"b1." || base64url(HMAC-SHA256(K, UTF-8(normalized value)))</c> with
/// <c>K = HKDF-SHA256(IKM = organization blind-index key, salt = empty, info = "sigill/blind-index/v1" || str(env) || str(region) || str(org) || str(purpose), 32)</c>.
/// Keyed per organization and purpose, so equal values in two organizations or two columns do not correlate.
/// </summary>
internal static class BlindIndexToken
{
    public const string Prefix = "b1.";

    public static string Compute(string environment, string region, string organizationId, string purpose, ReadOnlySpan<byte> indexKey, string normalizedValue)
    {
        Span<byte> key = stackalloc byte[32];
        Span<byte> mac = stackalloc byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, indexKey, key, ReadOnlySpan<byte>.Empty, Binding.Build("sigill/blind-index/v1", environment, region, organizationId, purpose));
            HMACSHA256.HashData(key, Binding.StrictUtf8.GetBytes(normalizedValue), mac);
            return Prefix + Base64Url.EncodeToString(mac);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
