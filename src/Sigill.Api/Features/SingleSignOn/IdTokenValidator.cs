using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;


namespace Sigill.Api.Features.SingleSignOn;

/// <summary>An ID token failed a check; <see cref="Exception.Message"/> names the check (safe to show: it holds no token content).</summary>
public sealed class IdTokenInvalidException(string message) : Exception(message);

/// <summary>What Sigill takes from a valid ID token.</summary>
public sealed record IdTokenClaims(string Subject, string? Email, bool EmailVerified, string? Name);

/// <summary>
/// Validates an OpenID Connect ID token (a JWS in compact form) per OpenID Connect Core 1.0 §3.1.3.7, with
/// System.Security.Cryptography only. Threats and the check that stops each:
/// <list type="bullet">
/// <item>alg "none" or a symmetric alg (HS256 keyed with a public value, the classic confusion attack): only the
/// asymmetric algorithms below are accepted, and the key must have the algorithm's key type.</item>
/// <item>a token signed by someone else: the signature must verify under a key from the provider's JWKS (fetched
/// from discovery over the SSRF-guarded client), chosen by <c>kid</c>.</item>
/// <item>a token for another client or provider: <c>iss</c> must equal the configured issuer exactly, <c>aud</c> must
/// contain the client id, and with several audiences <c>azp</c> must be the client id.</item>
/// <item>a replayed or injected token: <c>nonce</c> must match the one this sign-in sent (compared as SHA-256 hashes,
/// in constant time); <c>exp</c> must be in the future and <c>iat</c> not in the future (one minute of clock skew).</item>
/// </list>
/// </summary>
public static class IdTokenValidator
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    private static readonly string[] Algorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    public static IdTokenClaims Validate(string token, JsonElement jwks, string issuer, string clientId, byte[] nonceHash, DateTimeOffset now)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || token.Length > 16_384)
        {
            throw new IdTokenInvalidException("the ID token is not a signed JWT");
        }
        JsonElement header, payload;
        byte[] signature;
        try
        {
            header = ProviderJson.Parse(Base64Url.DecodeFromChars(parts[0]));
            payload = ProviderJson.Parse(Base64Url.DecodeFromChars(parts[1]));
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new IdTokenInvalidException("the ID token is not a signed JWT");
        }
        if (header.ValueKind != JsonValueKind.Object || payload.ValueKind != JsonValueKind.Object)
        {
            throw new IdTokenInvalidException("the ID token is not a signed JWT");
        }
        var alg = String(header, "alg");
        if (alg is null || !Algorithms.Contains(alg, StringComparer.Ordinal))
        {
            throw new IdTokenInvalidException($"the ID token's algorithm is not accepted (only {string.Join(", ", Algorithms)})");
        }
        if (header.TryGetProperty("crit", out _))
        {
            throw new IdTokenInvalidException("the ID token has critical header parameters Sigill does not understand");
        }
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!Candidates(jwks, alg, String(header, "kid")).Any(key => Verify(key, alg, signed, signature)))
        {
            throw new IdTokenInvalidException("the ID token's signature does not verify under the provider's keys");
        }

        if (!string.Equals(String(payload, "iss"), issuer, StringComparison.Ordinal))
        {
            throw new IdTokenInvalidException("the ID token was issued by another provider");
        }
        var audiences = payload.TryGetProperty("aud", out var aud) ? aud.ValueKind switch
        {
            JsonValueKind.String => [aud.GetString()!],
            JsonValueKind.Array => aud.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToArray(),
            _ => Array.Empty<string>(),
        } : [];
        if (!audiences.Contains(clientId, StringComparer.Ordinal) || (audiences.Length > 1 && String(payload, "azp") != clientId))
        {
            throw new IdTokenInvalidException("the ID token is meant for another client (audience)");
        }
        if (Number(payload, "exp") is not { } exp || DateTimeOffset.FromUnixTimeSeconds(exp) + ClockSkew <= now)
        {
            throw new IdTokenInvalidException("the ID token has expired");
        }
        if (Number(payload, "iat") is not { } iat || DateTimeOffset.FromUnixTimeSeconds(iat) - ClockSkew > now)
        {
            throw new IdTokenInvalidException("the ID token's issue time is missing or in the future");
        }
        if (String(payload, "nonce") is not { } nonce
            || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(nonce)), nonceHash))
        {
            throw new IdTokenInvalidException("the ID token's nonce does not match this sign-in");
        }
        if (String(payload, "sub") is not { Length: > 0 and <= 255 } subject)
        {
            throw new IdTokenInvalidException("the ID token names no subject");
        }
        var verified = payload.TryGetProperty("email_verified", out var v)
            && (v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.String && v.GetString() == "true"));
        return new IdTokenClaims(subject, String(payload, "email"), verified, String(payload, "name"));
    }

    private static IEnumerable<JsonElement> Candidates(JsonElement jwks, string alg, string? kid)
    {
        if (jwks.ValueKind != JsonValueKind.Object || !jwks.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }
        var kty = alg[0] == 'E' ? "EC" : "RSA";
        foreach (var key in keys.EnumerateArray())
        {
            if (key.ValueKind != JsonValueKind.Object || String(key, "kty") != kty
                || (kid is not null && String(key, "kid") != kid)
                || (String(key, "use") is { } use && use != "sig")
                || (String(key, "alg") is { } keyAlg && keyAlg != alg))
            {
                continue;
            }
            yield return key;
        }
    }

    private static bool Verify(JsonElement key, string alg, byte[] data, byte[] signature)
    {
        var hash = alg[2..] switch
        {
            "256" => HashAlgorithmName.SHA256,
            "384" => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        try
        {
            if (alg[0] == 'E')
            {
                var (curve, size) = (String(key, "crv"), alg[2..]) switch
                {
                    ("P-256", "256") => (ECCurve.NamedCurves.nistP256, 32),
                    ("P-384", "384") => (ECCurve.NamedCurves.nistP384, 48),
                    ("P-521", "512") => (ECCurve.NamedCurves.nistP521, 66),
                    _ => (default(ECCurve), 0),
                };
                if (size == 0 || signature.Length != 2 * size)
                {
                    return false;
                }
                using var ec = ECDsa.Create(new ECParameters
                {
                    Curve = curve,
                    Q = new ECPoint { X = Bytes(key, "x"), Y = Bytes(key, "y") },
                });
                return ec.VerifyData(data, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            using var rsa = RSA.Create(new RSAParameters { Modulus = Bytes(key, "n"), Exponent = Bytes(key, "e") });
            if (rsa.KeySize < 2048)
            {
                return false;
            }
            return rsa.VerifyData(data, signature, hash, alg[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return false; // a malformed key verifies nothing
        }
    }

    private static byte[] Bytes(JsonElement key, string name) =>
        String(key, name) is { } value ? Base64Url.DecodeFromChars(value) : throw new FormatException($"JWK without {name}");

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;
}
