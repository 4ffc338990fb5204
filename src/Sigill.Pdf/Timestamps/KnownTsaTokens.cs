using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.Signing;

namespace Sigill.Pdf.Timestamps;

/// <summary>
/// The check of a token signed by a TSA certificate that <see cref="TimestampTokens.Check"/> already accepted (its
/// path is in <see cref="TrustedChains"/>): the same checks without loading a certificate or a <see cref="SignedCms"/>,
/// which cost about 1 ms per token here (two certificate loads in <c>Rfc3161TimestampToken.TryDecode</c> and again
/// for the signature check) against a tenth of that for the checks themselves.
/// <para>
/// It reads the DER of the token itself and accepts it only when every one of these holds: one signer, whose
/// signed attributes say the content is a TSTInfo and carry its digest; the first ESSCertIDv2 (with SHA-256)
/// names a certificate embedded in the token whose path is remembered, and the signer identifier names the same
/// certificate; the signature over the signed attributes verifies under its key (ECDSA, or RSA PKCS#1 v1.5); the
/// TSTInfo's imprint and nonce are the ones asked for; and the token's time falls inside every certificate of the
/// path. It also reads nothing it does not check: every embedded certificate is one of the path's, there are no CRLs
/// or unsigned attributes, versions are 1 or 3, algorithm parameters absent or NULL, the signature's hash is the digest
/// algorithm's, and the ESSCertIDv2 has no issuerSerial — so a token it accepts is one the full check (and the
/// verifier reading the stored PDF later) accepts too. The certificate's extended key usage and chain were checked
/// when the path was remembered (same bytes, same answer). Anything else — another form, another algorithm, an unknown or failing certificate, a failing check —
/// is answered "not here", and the caller runs the full check, which accepts the token or says why not: this path
/// can only accept what the full one accepts, never refuse it.
/// </para>
/// </summary>
internal static class KnownTsaTokens
{
    private const string SignedDataOid = CadesSignature.SignedDataOid;
    private const string TstInfoOid = TimestampTokens.TstInfoOid;
    private const string ContentTypeOid = CadesSignature.ContentTypeOid;
    private const string MessageDigestOid = CadesSignature.MessageDigestOid;
    private const string SigningCertificateOid = "1.2.840.113549.1.9.16.2.12";
    private const string SigningCertificateV2Oid = CadesSignature.SigningCertificateV2Oid;

    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Context1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag SubjectKeyIdentifier = new(TagClass.ContextSpecific, 0);

    /// <summary>The checked token, or null when the full check must decide.</summary>
    internal static CheckedTimestamp? TryCheck(ReadOnlyMemory<byte> der, ReadOnlySpan<byte> digest, HashAlgorithmName algorithm,
        ReadOnlySpan<byte> nonce, TrustedChains trusted)
    {
        try
        {
            return Check(der, digest, algorithm, nonce, trusted);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    private static CheckedTimestamp? Check(ReadOnlyMemory<byte> der, ReadOnlySpan<byte> digest, HashAlgorithmName algorithm, ReadOnlySpan<byte> nonce,
        TrustedChains trusted)
    {
        var token = Parse(der);
        if (token is null) return null;
        var (eContent, certificates, signer) = token.Value;

        // The TSTInfo: what was timestamped, for whom, and when.
        if (!Rfc3161TimestampTokenInfo.TryDecode(eContent, out var info, out var consumed) || consumed != eContent.Length) return null;
        if (info.HashAlgorithmId.Value != TimestampTokens.OidOf(algorithm) || !info.GetMessageHash().Span.SequenceEqual(digest)) return null;
        if (!TimestampTokens.NonceMatches(info, nonce)) return null;

        // The signed attributes bind the TSTInfo and name the signer's certificate.
        if (TimestampTokens.NameOf(signer.DigestAlgorithm) is not { } digestName) return null;
        var attributes = SignedAttributes(signer.SignedAttributes);
        if (attributes is null || attributes.Value.ContentType != TstInfoOid) return null;
        if (!attributes.Value.MessageDigest.AsSpan().SequenceEqual(TimestampTokens.Hash(digestName, eContent.Span))) return null;
        var named = certificates.Select(c => SHA256.HashData(c.Span)).FirstOrDefault(h => h.AsSpan().SequenceEqual(attributes.Value.CertificateHash));
        if (named is null) return null;
        var path = trusted.Find(Convert.ToHexString(named), info.Timestamp);
        if (path is null) return null;
        var certificate = path[0];
        if (!IdentifiesSigner(signer, certificate)) return null;
        // Every embedded certificate is one of the path's: a token carrying anything else (which the full check, and
        // the verifier reading the stored PDF later, would load and might refuse) takes the full check.
        var known = path.Select(c => c.RawData).ToList();
        if (!certificates.All(c => known.Any(k => k.AsSpan().SequenceEqual(c.Span)))) return null;

        // The signature over the DER SET OF the signed attributes (RFC 5652 §5.4).
        var signed = signer.SignedAttributes.ToArray();
        signed[0] = 0x31;
        if (!Verifies(certificate, signer.SignatureAlgorithm, digestName, signed, signer.Signature.Span)) return null;
        return new CheckedTimestamp(info.Timestamp, certificate, path, algorithm);
    }

    private readonly record struct Signer(ReadOnlyMemory<byte>? Issuer, ReadOnlyMemory<byte> Serial, ReadOnlyMemory<byte>? KeyIdentifier, string DigestAlgorithm,
        ReadOnlyMemory<byte> SignedAttributes, string SignatureAlgorithm, ReadOnlyMemory<byte> Signature);

    // ContentInfo { signedData, [0] SignedData { version, digestAlgorithms, encapContentInfo { id-ct-TSTInfo, [0] OCTET STRING },
    //   [0] IMPLICIT certificates OPTIONAL, [1] IMPLICIT crls OPTIONAL, signerInfos SET OF SignerInfo } }
    private static (ReadOnlyMemory<byte> EContent, List<ReadOnlyMemory<byte>> Certificates, Signer Signer)? Parse(ReadOnlyMemory<byte> der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var contentInfo = outer.ReadSequence();
        if (outer.HasData || contentInfo.ReadObjectIdentifier() != SignedDataOid) return null;
        var explicitContent = contentInfo.ReadSequence(Context0);
        var signedData = explicitContent.ReadSequence();
        if (explicitContent.HasData || contentInfo.HasData) return null;
        if (!signedData.TryReadInt32(out var version) || version is not (1 or 3)) return null;
        var digestAlgorithms = signedData.ReadSetOf(skipSortOrderValidation: true);
        while (digestAlgorithms.HasData)
        {
            if (!PlainAlgorithm(digestAlgorithms.ReadSequence(), out _, out _)) return null;
        }
        var encapsulated = signedData.ReadSequence();
        if (encapsulated.ReadObjectIdentifier() != TstInfoOid) return null;
        var explicitOctets = encapsulated.ReadSequence(Context0);
        var eContent = explicitOctets.ReadOctetString();
        if (explicitOctets.HasData || encapsulated.HasData) return null;
        var certificates = new List<ReadOnlyMemory<byte>>();
        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Context0))
        {
            var set = signedData.ReadSetOf(true, Context0);
            while (set.HasData)
            {
                var value = set.ReadEncodedValue();
                if (value.Span[0] != 0x30) return null; // another certificate format: the full check decides
                certificates.Add(value);
            }
        }
        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Context1)) return null; // CRLs in a token: the full check decides
        var signerInfos = signedData.ReadSetOf(skipSortOrderValidation: true);
        if (signedData.HasData) return null;
        var signerInfo = signerInfos.ReadSequence();
        if (signerInfos.HasData) return null;
        return ReadSigner(signerInfo) is { } signer ? (eContent, certificates, signer) : null;
    }

    // SignerInfo { version, sid, digestAlgorithm, [0] IMPLICIT signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs OPTIONAL }
    private static Signer? ReadSigner(AsnReader signerInfo)
    {
        if (!signerInfo.TryReadInt32(out var version) || version is not (1 or 3)) return null;
        ReadOnlyMemory<byte>? issuer = null, keyIdentifier = null;
        ReadOnlyMemory<byte> serial = default;
        if (signerInfo.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var issuerAndSerial = signerInfo.ReadSequence();
            issuer = issuerAndSerial.ReadEncodedValue();
            serial = issuerAndSerial.ReadIntegerBytes();
            if (issuerAndSerial.HasData) throw new AsnContentException("issuerAndSerialNumber has more");
        }
        else
        {
            keyIdentifier = signerInfo.ReadOctetString(SubjectKeyIdentifier);
        }
        if (!PlainAlgorithm(signerInfo.ReadSequence(), out var digestAlgorithm, out _)) return null;
        if (!signerInfo.PeekTag().HasSameClassAndValue(Context0)) throw new AsnContentException("no signed attributes");
        var signedAttributes = signerInfo.ReadEncodedValue();
        if (!PlainAlgorithm(signerInfo.ReadSequence(), out var signatureAlgorithm, out var signatureParameters)) return null;
        if (signatureParameters && signatureAlgorithm.StartsWith("1.2.840.10045.", StringComparison.Ordinal)) return null; // ECDSA takes none (RFC 5758)
        var signature = signerInfo.ReadOctetString();
        if (signerInfo.HasData) return null; // unsigned attributes, or more: the full check decides
        return new Signer(issuer, serial, keyIdentifier, digestAlgorithm, signedAttributes, signatureAlgorithm, signature);
    }

    /// <summary>
    /// An AlgorithmIdentifier whose parameters are absent or NULL (<paramref name="withNull"/>), the forms RFC 5754 and
    /// RFC 4055 allow for SHA-2 and RSA. Anything else is left to the full check.
    /// </summary>
    private static bool PlainAlgorithm(AsnReader algorithm, out string oid, out bool withNull)
    {
        oid = algorithm.ReadObjectIdentifier();
        withNull = algorithm.HasData;
        if (withNull) algorithm.ReadNull();
        return !algorithm.HasData;
    }

    private static (string ContentType, byte[] MessageDigest, byte[] CertificateHash)? SignedAttributes(ReadOnlyMemory<byte> encoded)
    {
        var outer = new AsnReader(encoded, AsnEncodingRules.DER);
        var set = outer.ReadSetOf(true, Context0);
        if (outer.HasData) return null;
        string? contentType = null;
        byte[]? messageDigest = null;
        byte[]? certificate = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (set.HasData)
        {
            var attribute = set.ReadSequence();
            var oid = attribute.ReadObjectIdentifier();
            if (!seen.Add(oid)) return null; // an attribute twice: let the full check judge
            var values = attribute.ReadSetOf(skipSortOrderValidation: true);
            if (attribute.HasData) return null;
            var value = values.ReadEncodedValue();
            if (values.HasData) return null;
            var reader = new AsnReader(value, AsnEncodingRules.DER);
            switch (oid)
            {
                case ContentTypeOid: contentType = reader.ReadObjectIdentifier(); break;
                case MessageDigestOid: messageDigest = reader.ReadOctetString(); break;
                case SigningCertificateV2Oid: certificate = FirstCertificateHash(reader); break;
                case SigningCertificateOid: return null; // ESSCertID v1 names the certificate by SHA-1: the full check
            }
        }
        return contentType is not null && messageDigest is not null && certificate is not null ? (contentType, messageDigest, certificate) : null;
    }

    // SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2, policies OPTIONAL }; ESSCertIDv2 { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL }.
    // The first ESSCertIDv2 names the signer (RFC 5035 §5.4); a hash other than SHA-256 is left to the full check.
    private static byte[]? FirstCertificateHash(AsnReader reader)
    {
        var id = reader.ReadSequence().ReadSequence().ReadSequence();
        if (id.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence) && id.ReadSequence().ReadObjectIdentifier() != TimestampTokens.OidOf(HashAlgorithmName.SHA256)) return null;
        var hash = id.ReadOctetString();
        return id.HasData ? null : hash; // an issuerSerial too: the full check compares it
    }

    private static bool IdentifiesSigner(Signer signer, X509Certificate2 certificate)
    {
        if (signer.Issuer is { } issuer)
        {
            return issuer.Span.SequenceEqual(certificate.IssuerName.RawData) && signer.Serial.Span.SequenceEqual(certificate.SerialNumberBytes.Span);
        }
        return certificate.Extensions["2.5.29.14"] is X509SubjectKeyIdentifierExtension ski && signer.KeyIdentifier is { } id
            && id.Span.SequenceEqual(ski.SubjectKeyIdentifierBytes.Span);
    }

    private static bool Verifies(X509Certificate2 certificate, string signatureAlgorithm, HashAlgorithmName digest, byte[] data, ReadOnlySpan<byte> signature)
    {
        switch (signatureAlgorithm)
        {
            case "1.2.840.10045.4.3.2" or "1.2.840.10045.4.3.3" or "1.2.840.10045.4.3.4":
            {
                using var key = certificate.GetECDsaPublicKey();
                var hash = signatureAlgorithm[^1] switch { '2' => HashAlgorithmName.SHA256, '3' => HashAlgorithmName.SHA384, _ => HashAlgorithmName.SHA512 };
                return key is not null && hash == digest && key.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }
            case "1.2.840.113549.1.1.1" or "1.2.840.113549.1.1.11" or "1.2.840.113549.1.1.12" or "1.2.840.113549.1.1.13":
            {
                using var key = certificate.GetRSAPublicKey();
                var hash = signatureAlgorithm switch
                {
                    "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
                    "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
                    "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
                    _ => digest,
                };
                return key is not null && hash == digest && key.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
            }
            default:
                return false;
        }
    }
}
