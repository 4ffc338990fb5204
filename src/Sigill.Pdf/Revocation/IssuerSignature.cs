using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Sigill.Pdf.Revocation;

/// <summary>
/// Checks that an issuer's key made the signature over a "to be signed" structure (a certificate's or a CRL's), for the
/// algorithms Sigill's CAs and common TSAs use: ECDSA and RSA PKCS#1 v1.5 with SHA-256, -384 or -512. Anything else
/// is "not signed by", never an exception. Positive verdicts are remembered by the SHA-256 of the issuer's certificate
/// and of what was signed: every completion checks the same organization certificate and the same day's CRL under the
/// same region root, and loading the issuer's key and verifying cost about half a millisecond each time here.
/// </summary>
internal static class IssuerSignature
{
    private const int Capacity = 1024;
    private static readonly ConcurrentDictionary<string, bool> Verified = new(StringComparer.Ordinal);

    public static bool Verifies(ReadOnlySpan<byte> tbs, string algorithm, ReadOnlySpan<byte> signature, X509Certificate2 issuer)
    {
        using var key = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        key.AppendData(issuer.RawData);
        key.AppendData(Encoding.ASCII.GetBytes(algorithm));
        key.AppendData(tbs);
        key.AppendData(signature);
        var id = Convert.ToHexString(key.GetHashAndReset());
        if (Verified.ContainsKey(id)) return true;
        if (!Check(tbs, algorithm, signature, issuer)) return false;
        if (Verified.Count >= Capacity) Verified.Clear();
        Verified[id] = true;
        return true;
    }

    private static bool Check(ReadOnlySpan<byte> tbs, string algorithm, ReadOnlySpan<byte> signature, X509Certificate2 issuer)
    {
        var hash = algorithm switch
        {
            "1.2.840.10045.4.3.2" or "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
            "1.2.840.10045.4.3.3" or "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
            "1.2.840.10045.4.3.4" or "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
            _ => default,
        };
        if (hash == default) return false;
        try
        {
            if (algorithm.StartsWith("1.2.840.10045", StringComparison.Ordinal))
            {
                using var ec = issuer.GetECDsaPublicKey();
                return ec is not null && ec.VerifyData(tbs, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }
            using var rsa = issuer.GetRSAPublicKey();
            return rsa is not null && rsa.VerifyData(tbs, signature, hash, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="issuer"/> issued <paramref name="certificate"/>: its subject is the certificate's issuer and its key verifies the certificate's signature.</summary>
    public static bool Issued(X509Certificate2 issuer, X509Certificate2 certificate)
    {
        if (!issuer.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)) return false;
        try
        {
            // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
            var outer = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
            var tbs = outer.ReadEncodedValue();
            var algorithm = outer.ReadSequence().ReadObjectIdentifier();
            var signature = outer.ReadBitString(out _);
            return Verifies(tbs.Span, algorithm, signature, issuer);
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}
