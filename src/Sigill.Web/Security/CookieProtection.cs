using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Sigill.Web.Security;

/// <summary>
/// Seals what the web tier keeps in cookies (the account and recipient sessions, the antiforgery tokens) under the
/// installation's web cookie key (<c>Web:CookieKey</c>), so a restarted web tier — or another web node — opens the
/// cookies the last one wrote. Each purpose chain gets its own AES-256-GCM key, derived with HKDF-SHA256 from the
/// cookie key; a sealed value is <c>version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16)</c>, the purpose chain bound as
/// associated data. Rotation: values are always sealed under the current key; the previous keys
/// (<c>Web:PreviousCookieKeys</c>) still open what they sealed, until those cookies have expired.
/// </summary>
internal sealed class CookieProtection(byte[] key, IReadOnlyList<byte[]>? previousKeys = null) : IDataProtectionProvider
{
    private const byte Version = 1;

    private readonly byte[][] _keys = [key, .. previousKeys ?? []];

    public IDataProtector CreateProtector(string purpose) => new Protector(_keys, [purpose]);

    private sealed class Protector : IDataProtector
    {
        private readonly byte[][] _rootKeys;
        private readonly string[] _purposes;
        private readonly byte[][] _keys; // current first
        private readonly byte[] _associated;

        public Protector(byte[][] rootKeys, string[] purposes)
        {
            _rootKeys = rootKeys;
            _purposes = purposes;
            // Length-prefixed, so ["a", "bc"] and ["ab", "c"] never share a key.
            _associated = Encoding.UTF8.GetBytes(string.Concat(purposes.Select(p => $"{p.Length}:{p};")));
            _keys = [.. rootKeys.Select(root => HKDF.DeriveKey(HashAlgorithmName.SHA256, root, 32, salt: [], info: [.. "sigill-web-cookie-v1\0"u8, .. _associated]))];
        }

        public IDataProtector CreateProtector(string purpose) => new Protector(_rootKeys, [.. _purposes, purpose]);

        public byte[] Protect(byte[] plaintext)
        {
            var sealedValue = new byte[1 + 12 + plaintext.Length + 16];
            sealedValue[0] = Version;
            var nonce = sealedValue.AsSpan(1, 12);
            RandomNumberGenerator.Fill(nonce);
            using var aes = new AesGcm(_keys[0], 16);
            aes.Encrypt(nonce, plaintext, sealedValue.AsSpan(13, plaintext.Length), sealedValue.AsSpan(13 + plaintext.Length), _associated);
            return sealedValue;
        }

        public byte[] Unprotect(byte[] protectedData)
        {
            if (protectedData.Length < 1 + 12 + 16 || protectedData[0] != Version)
            {
                throw new CryptographicException("not a sealed cookie value of this web tier");
            }
            var plaintext = new byte[protectedData.Length - 1 - 12 - 16];
            foreach (var key in _keys)
            {
                using var aes = new AesGcm(key, 16);
                try
                {
                    aes.Decrypt(protectedData.AsSpan(1, 12), protectedData.AsSpan(13, plaintext.Length), protectedData.AsSpan(13 + plaintext.Length), plaintext, _associated);
                    return plaintext;
                }
                catch (AuthenticationTagMismatchException)
                {
                    // sealed under another key (an older one is tried next), for another purpose, or changed
                }
            }
            throw new CryptographicException("the sealed cookie value does not open under the web tier's cookie keys");
        }
    }
}
