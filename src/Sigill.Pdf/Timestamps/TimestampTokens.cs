using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf.Timestamps;

/// <summary>What a checked token established: when, by whom, and the chain that made the signer trusted.</summary>
public sealed record CheckedTimestamp(DateTimeOffset Time, X509Certificate2 Signer, IReadOnlyList<X509Certificate2> Chain, HashAlgorithmName HashAlgorithm);

/// <summary>
/// The checks every RFC 3161 token passes, whether it just came back from a TSA or is read back from a PDF years
/// later: the message imprint is the expected digest (and algorithm), the nonce is the one sent, the CMS signature
/// verifies and its ESSCertID names the signer, the signer's certificate carries the critical, sole
/// <c>id-kp-timeStamping</c> extended key usage (RFC 3161 §2.3), and it chains to a configured anchor at the
/// token's own time. Revocation is left to the caller (the DSS's CRLs at verification; nothing at signing).
/// </summary>
public static class TimestampTokens
{
    public const string TimeStampingEku = "1.3.6.1.5.5.7.3.8";

    /// <summary>id-ct-TSTInfo: the content type of a TimeStampToken's encapsulated content (RFC 3161 §2.4.2).</summary>
    internal const string TstInfoOid = "1.2.840.113549.1.9.16.1.4";

    /// <summary>Decodes a DER TimeStampToken, or throws <see cref="TimestampException"/> (<see cref="TimestampFailure.Invalid"/>).</summary>
    public static Rfc3161TimestampToken Decode(ReadOnlyMemory<byte> der)
    {
        if (!Rfc3161TimestampToken.TryDecode(der, out var token, out var consumed) || consumed != der.Length)
        {
            throw new TimestampException(TimestampFailure.Invalid, "the token is not a well-formed RFC 3161 TimeStampToken whose signer is named by its ESSCertID");
        }
        return token;
    }

    /// <summary>The imprint's hash algorithm (SHA-256, -384 or -512); anything else is refused.</summary>
    public static HashAlgorithmName AlgorithmOf(Rfc3161TimestampToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var oid = token.TokenInfo.HashAlgorithmId.Value;
        return NameOf(oid) ?? throw new TimestampException(TimestampFailure.Invalid, $"the token's imprint uses hash algorithm {oid}, which Sigill does not accept");
    }

    /// <summary>SHA-256, -384 or -512 by OID; null for any other.</summary>
    internal static HashAlgorithmName? NameOf(string? oid) => oid switch
    {
        "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
        "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
        "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
        _ => null,
    };

    public static string OidOf(HashAlgorithmName algorithm) => algorithm.Name switch
    {
        "SHA256" => "2.16.840.1.101.3.4.2.1",
        "SHA384" => "2.16.840.1.101.3.4.2.2",
        "SHA512" => "2.16.840.1.101.3.4.2.3",
        _ => throw new ArgumentException($"hash algorithm {algorithm.Name} is not supported for timestamps", nameof(algorithm)),
    };

    public static byte[] Hash(HashAlgorithmName algorithm, ReadOnlySpan<byte> data) => algorithm.Name switch
    {
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => throw new ArgumentException($"hash algorithm {algorithm.Name} is not supported for timestamps", nameof(algorithm)),
    };

    /// <summary>
    /// Checks <paramref name="token"/> against the digest it must cover; <paramref name="nonce"/> is compared when given.
    /// Throws <see cref="TimestampException"/> naming the first check that failed. With <paramref name="trusted"/>, a
    /// TSA certificate whose path was built before is not built again (see <see cref="TrustedChains"/>).
    /// </summary>
    public static CheckedTimestamp Check(Rfc3161TimestampToken token, ReadOnlySpan<byte> digest, HashAlgorithmName algorithm,
        ReadOnlySpan<byte> nonce, X509Certificate2Collection trustAnchors) => Check(token, digest, algorithm, nonce, trustAnchors, null);

    internal static CheckedTimestamp Check(Rfc3161TimestampToken token, ReadOnlySpan<byte> digest, HashAlgorithmName algorithm,
        ReadOnlySpan<byte> nonce, X509Certificate2Collection trustAnchors, TrustedChains? trusted)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(trustAnchors);
        var info = token.TokenInfo;
        if (info.HashAlgorithmId.Value != OidOf(algorithm))
        {
            throw new TimestampException(TimestampFailure.Invalid, $"wrong imprint: the token's hash algorithm is {info.HashAlgorithmId.Value}, not {algorithm.Name}");
        }
        if (!info.GetMessageHash().Span.SequenceEqual(digest))
        {
            throw new TimestampException(TimestampFailure.Invalid, "wrong imprint: the token covers another digest than the one sent");
        }
        if (!NonceMatches(info, nonce))
        {
            throw new TimestampException(TimestampFailure.Invalid, "wrong nonce: the token does not answer this request (a replayed or mixed-up response)");
        }
        var embedded = token.AsSignedCms().Certificates;
        if (!token.VerifySignatureForHash(digest, algorithm, out var signer, embedded) || signer is null)
        {
            throw new TimestampException(TimestampFailure.Invalid, "the token's signature does not verify, or its ESSCertID does not name its signer");
        }
        if (signer.Extensions["2.5.29.37"] is not X509EnhancedKeyUsageExtension eku
            || !eku.Critical || eku.EnhancedKeyUsages.Count != 1 || eku.EnhancedKeyUsages[0].Value != TimeStampingEku)
        {
            throw new TimestampException(TimestampFailure.Invalid, $"the TSA certificate {signer.Subject} lacks the critical, sole timeStamping extended key usage");
        }
        var time = info.Timestamp;
        if (trusted?.Find(signer, time) is { } known)
        {
            return new CheckedTimestamp(time, signer, known, algorithm);
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustAnchors);
        chain.ChainPolicy.ExtraStore.AddRange(embedded);
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(TimeStampingEku));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(signer))
        {
            var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()));
            foreach (var e in chain.ChainElements) e.Certificate.Dispose();
            throw new TimestampException(TimestampFailure.Invalid, $"untrusted TSA: {signer.Subject} does not chain to a configured trust anchor at {time:u} ({status})");
        }
        var certificates = chain.ChainElements.Select(e => e.Certificate).ToList();
        trusted?.Remember(signer, certificates);
        return new CheckedTimestamp(time, signer, certificates, algorithm);
    }

    /// <summary>True when no nonce was sent, or the token carries the one sent (leading zero bytes aside).</summary>
    internal static bool NonceMatches(Rfc3161TimestampTokenInfo info, ReadOnlySpan<byte> nonce) =>
        nonce.IsEmpty || (info.GetNonce() is { } got && TrimZeros(got.Span).SequenceEqual(TrimZeros(nonce)));

    private static ReadOnlySpan<byte> TrimZeros(ReadOnlySpan<byte> value)
    {
        var i = 0;
        while (i < value.Length - 1 && value[i] == 0) i++;
        return value[i..];
    }
}
