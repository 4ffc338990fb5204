using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf.Signing;

/// <summary>
/// The CMS inside /Contents: a detached CAdES signature as PAdES baseline B asks for (ETSI EN 319 142-1).
/// Signed attributes are content-type, message-digest (added by SignedCms) and signing-certificate-v2
/// (RFC 5035), which binds the signer certificate into what is signed so it cannot be swapped.
/// There is deliberately no signing-time attribute: baseline B carries the time in the dictionary's /M.
/// </summary>
internal static class CadesSignature
{
    public const string SigningCertificateV2Oid = "1.2.840.113549.1.9.16.2.47";
    public const string MessageDigestOid = "1.2.840.113549.1.9.4";
    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";

    public static byte[] Create(byte[] signedBytes, X509Certificate2 certificate, IEnumerable<X509Certificate2> chain)
    {
        if (!certificate.HasPrivateKey) throw new ArgumentException("the signing certificate has no private key", nameof(certificate));
        var cms = new SignedCms(new ContentInfo(signedBytes), detached: true);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, certificate)
        {
            DigestAlgorithm = new Oid(Sha256Oid),
            IncludeOption = X509IncludeOption.EndCertOnly,
        };
        foreach (var c in chain)
        {
            if (!c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)) signer.Certificates.Add(c);
        }
        signer.SignedAttributes.Add(new AsnEncodedData(SigningCertificateV2Oid, EncodeSigningCertificateV2(certificate)));
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
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
