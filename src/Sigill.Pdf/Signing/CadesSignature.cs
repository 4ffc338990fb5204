using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf.Signing;

/// <summary>
/// The CMS inside /Contents: a detached CAdES signature as PAdES baseline B asks for (ETSI EN 319 142-1).
/// Signed attributes are content-type, message-digest and signing-certificate-v2 (RFC 5035), which binds
/// the signer certificate into what is signed so it cannot be swapped. There is deliberately no
/// signing-time attribute: baseline B carries the time in the dictionary's /M.
/// The SignedData (RFC 5652 §5) is written here rather than by <c>SignedCms</c> because SignedCms wants
/// the signed bytes as one array: the signer would have to copy the whole file without its /Contents
/// first. Taking the digest lets the caller hash the two byte ranges in place.
/// </summary>
internal static class CadesSignature
{
    public const string SigningCertificateV2Oid = "1.2.840.113549.1.9.16.2.47";
    public const string MessageDigestOid = "1.2.840.113549.1.9.4";
    /// <summary>id-aa-signatureTimeStampToken (RFC 3161 appendix A): a TimeStampToken over the signature value.</summary>
    public const string SignatureTimeStampOid = "1.2.840.113549.1.9.16.2.14";
    internal const string ContentTypeOid = "1.2.840.113549.1.9.3";
    private const string DataOid = "1.2.840.113549.1.7.1";
    internal const string SignedDataOid = "1.2.840.113549.1.7.2";
    internal const string Sha256Oid = "2.16.840.1.101.3.4.2.1";
    private const string EcdsaSha256Oid = "1.2.840.10045.4.3.2";
    private const string RsaOid = "1.2.840.113549.1.1.1";

    /// <summary>A DER ContentInfo holding SignedData over content whose SHA-256 is <paramref name="sha256"/>.</summary>
    public static byte[] Create(ReadOnlySpan<byte> sha256, X509Certificate2 certificate, IEnumerable<X509Certificate2> chain)
    {
        var (signedAttributes, signature, ecdsa) = Sign(sha256, certificate);
        return Encode(signedAttributes, signature, ecdsa, certificate, chain, default);
    }

    /// <summary>
    /// The first half of <see cref="Create"/>: the signed attributes (as [0] IMPLICIT) and the signature value. The
    /// signature value is what a signature-timestamp token covers (ETSI EN 319 122-1 §5.3), so a timestamp can be
    /// fetched between the two halves and added with <see cref="Encode"/> as an unsigned attribute.
    /// </summary>
    public static (byte[] SignedAttributes, byte[] Signature, bool Ecdsa) Sign(ReadOnlySpan<byte> sha256, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (sha256.Length != 32) throw new ArgumentException("a SHA-256 digest is 32 bytes", nameof(sha256));
        using var ecdsa = certificate.GetECDsaPrivateKey();
        using var rsa = ecdsa is null ? certificate.GetRSAPrivateKey() : null;
        if (ecdsa is null && rsa is null) throw new ArgumentException("the signing certificate has no ECDSA or RSA private key", nameof(certificate));

        // Signed attributes are signed as a DER SET OF (tag 0x31) and stored as [0] IMPLICIT (§5.4).
        var attributes = new AsnWriter(AsnEncodingRules.DER);
        using (attributes.PushSetOf())
        {
            using (attributes.PushSequence())
            {
                attributes.WriteObjectIdentifier(ContentTypeOid);
                using (attributes.PushSetOf()) attributes.WriteObjectIdentifier(DataOid);
            }
            using (attributes.PushSequence())
            {
                attributes.WriteObjectIdentifier(MessageDigestOid);
                using (attributes.PushSetOf()) attributes.WriteOctetString(sha256);
            }
            using (attributes.PushSequence())
            {
                attributes.WriteObjectIdentifier(SigningCertificateV2Oid);
                using (attributes.PushSetOf()) attributes.WriteEncodedValue(EncodeSigningCertificateV2(certificate));
            }
        }
        var signedAttributes = attributes.Encode();
        var signature = ecdsa is not null
            ? ecdsa.SignData(signedAttributes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
            : rsa!.SignData(signedAttributes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        signedAttributes[0] = 0xA0; // the same SET as [0] IMPLICIT: only the tag byte differs
        return (signedAttributes, signature, ecdsa is not null);
    }

    /// <summary>
    /// The SignedData around a signature from <see cref="Sign"/>; a non-empty <paramref name="timestampToken"/> (a DER
    /// TimeStampToken, RFC 3161) becomes the id-aa-signatureTimeStampToken unsigned attribute (PAdES baseline B-T).
    /// </summary>
    public static byte[] Encode(byte[] signedAttributes, byte[] signature, bool ecdsa, X509Certificate2 certificate, IEnumerable<X509Certificate2> chain,
        ReadOnlySpan<byte> timestampToken)
    {
        ArgumentNullException.ThrowIfNull(signedAttributes);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(SignedDataOid);
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (w.PushSequence())
            {
                w.WriteInteger(1);
                using (w.PushSetOf()) WriteSha256(w);
                using (w.PushSequence()) w.WriteObjectIdentifier(DataOid); // detached: no eContent
                using (w.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                {
                    w.WriteEncodedValue(certificate.RawDataMemory.Span);
                    foreach (var c in chain)
                    {
                        if (!c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)) w.WriteEncodedValue(c.RawDataMemory.Span);
                    }
                }
                using (w.PushSetOf())
                using (w.PushSequence())
                {
                    w.WriteInteger(1);
                    using (w.PushSequence())
                    {
                        w.WriteEncodedValue(certificate.IssuerName.RawData);
                        w.WriteInteger(certificate.SerialNumberBytes.Span);
                    }
                    WriteSha256(w);
                    w.WriteEncodedValue(signedAttributes);
                    using (w.PushSequence())
                    {
                        if (ecdsa)
                        {
                            w.WriteObjectIdentifier(EcdsaSha256Oid);
                        }
                        else
                        {
                            w.WriteObjectIdentifier(RsaOid);
                            w.WriteNull();
                        }
                    }
                    w.WriteOctetString(signature);
                    if (!timestampToken.IsEmpty)
                    {
                        // unsignedAttrs [1] IMPLICIT SET OF Attribute
                        using (w.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true)))
                        using (w.PushSequence())
                        {
                            w.WriteObjectIdentifier(SignatureTimeStampOid);
                            using (w.PushSetOf()) w.WriteEncodedValue(timestampToken);
                        }
                    }
                }
            }
        }
        return w.Encode();
    }

    private static void WriteSha256(AsnWriter w)
    {
        using (w.PushSequence()) w.WriteObjectIdentifier(Sha256Oid);
    }

    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … OPTIONAL }
    // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256 (omitted in DER), certHash OCTET STRING,
    //                            issuerSerial IssuerSerial }
    // IssuerSerial ::= SEQUENCE { issuer GeneralNames (directoryName [4]), serialNumber INTEGER }
    internal static byte[] EncodeSigningCertificateV2(X509Certificate2 certificate)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSequence())
        using (w.PushSequence())
        {
            w.WriteOctetString(SHA256.HashData(certificate.RawDataMemory.Span));
            using (w.PushSequence())
            {
                using (w.PushSequence())
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true)))
                {
                    w.WriteEncodedValue(certificate.IssuerName.RawData);
                }
                w.WriteInteger(certificate.SerialNumberBytes.Span);
            }
        }
        return w.Encode();
    }

    /// <summary>Reads the certHash of the first ESSCertIDv2 (SHA-256 only), or null when absent or another hash.</summary>
    internal static byte[]? ReadSigningCertificateV2Hash(ReadOnlyMemory<byte> value)
    {
        var r = new AsnReader(value, AsnEncodingRules.DER);
        var certs = r.ReadSequence().ReadSequence();
        var id = certs.ReadSequence();
        if (id.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var alg = id.ReadSequence().ReadObjectIdentifier();
            if (alg != Sha256Oid) return null;
        }
        return id.ReadOctetString();
    }
}
