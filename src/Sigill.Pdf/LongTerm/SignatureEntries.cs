using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.Revocation;
using Sigill.Pdf.Signing;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.LongTerm;

/// <summary>
/// One signature dictionary found in a file: its byte range, its dictionary and its /Contents (trimmed DER). The CMS
/// structures are decoded once, on first use.
/// </summary>
internal sealed class SignatureEntry(long[] byteRange, PdfDict? dictionary, byte[]? contents)
{
    private (bool Read, SignedCms? Value) _cms;
    private (bool Read, byte[]? Value) _token;

    public long[] ByteRange { get; } = byteRange;

    public PdfDict? Dictionary { get; } = dictionary;

    public byte[]? Contents { get; } = contents;

    public bool IsDocumentTimestamp => Dictionary?.GetName("SubFilter") == "ETSI.RFC3161";

    public long SignedLength => ByteRange[1] + ByteRange[3];

    /// <summary>The CMS of a CAdES signature, or null (a document timestamp, or unreadable).</summary>
    public SignedCms? Cms()
    {
        if (!_cms.Read) _cms = (true, IsDocumentTimestamp ? null : Decode(Contents));
        return _cms.Value;
    }

    /// <summary>The signature-timestamp token (DER) of a CAdES signature, or the token of a document timestamp.</summary>
    public byte[]? TimestampToken()
    {
        if (!_token.Read) _token = (true, IsDocumentTimestamp ? Contents : SignatureTimestamp(Cms()));
        return _token.Value;
    }

    private static byte[]? SignatureTimestamp(SignedCms? cms)
    {
        if (cms is null || cms.SignerInfos.Count != 1) return null;
        foreach (var a in cms.SignerInfos[0].UnsignedAttributes)
        {
            if (a.Oid.Value == CadesSignature.SignatureTimeStampOid && a.Values.Count == 1) return a.Values[0].RawData;
        }
        return null;
    }

    internal static SignedCms? Decode(byte[]? der)
    {
        if (der is null) return null;
        try
        {
            var cms = new SignedCms();
            cms.Decode(der);
            return cms;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>
/// Finds every signature dictionary of a PDF by scanning for /ByteRange, as <see cref="PdfSignatureVerifier"/> does (a
/// later revision cannot hide an earlier signature by dropping its field), in signing order.
/// </summary>
internal static class SignatureEntries
{
    public static List<SignatureEntry> Read(byte[] pdf)
    {
        var entries = new List<SignatureEntry>();
        var at = 0;
        while (true)
        {
            var i = pdf.AsSpan(at).IndexOf("/ByteRange"u8);
            if (i < 0) break;
            var pos = at + i;
            at = pos + 10;
            long[] br;
            try
            {
                if (new PdfLexer(pdf, pos + 10).ReadObject() is not PdfArray arr || arr.Count != 4 || arr.Any(x => x is not PdfNumber)) continue;
                br = arr.Select(x => ((PdfNumber)x).AsLong()).ToArray();
            }
            catch (Exception e) when (e is PdfFormatException or PdfRejectedException)
            {
                continue;
            }
            var (_, dict, contentsStart) = PdfSignatureVerifier.EnclosingSignatureDictionary(pdf, pos);
            byte[]? contents = null;
            if (contentsStart >= 0 && br[1] == contentsStart && br[2] <= pdf.Length && br[2] > br[1])
            {
                try
                {
                    contents = PdfSignatureVerifier.TrimDer(new PdfString(pdf.AsSpan((int)br[1], (int)(br[2] - br[1])).ToArray()).Decode());
                }
                catch (Exception e) when (e is AsnContentException or PdfFormatException)
                {
                    contents = null;
                }
            }
            entries.Add(new SignatureEntry(br, dict, contents));
        }
        entries.Sort((a, b) => a.SignedLength.CompareTo(b.SignedLength));
        return entries;
    }

    /// <summary>
    /// Every certificate a file carries: in signatures' CMS, in timestamp tokens, and in the DSS. Read as DER from the
    /// CMS structures, each distinct one once, through <see cref="LoadedCertificates"/> (shared instances: never
    /// dispose them).
    /// </summary>
    public static X509Certificate2Collection Certificates(IEnumerable<SignatureEntry> entries, DssContents dss)
    {
        var pool = new X509Certificate2Collection();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(ReadOnlyMemory<byte> der)
        {
            if (!seen.Add(Convert.ToHexString(SHA256.HashData(der.Span)))) return;
            try
            {
                pool.Add(LoadedCertificates.Load(der.Span));
            }
            catch (CryptographicException)
            {
                // A damaged entry helps nobody; verification reports what is missing.
            }
        }
        foreach (var e in entries)
        {
            if (e.Cms() is not null) foreach (var der in CmsCertificates(e.Contents!)) Add(der);
            if (e.TimestampToken() is { } token) foreach (var der in CmsCertificates(token)) Add(der);
        }
        foreach (var der in dss.Certificates) Add(der);
        return pool;
    }

    /// <summary>
    /// The certificate each CAdES signature and each timestamp token names as its signer, found in <paramref name="pool"/>,
    /// each certificate once: the leaves whose paths a DSS must cover.
    /// </summary>
    public static List<X509Certificate2> Signers(IEnumerable<SignatureEntry> entries, X509Certificate2Collection pool)
    {
        var signers = new List<X509Certificate2>();
        void Add(SignedCms? cms)
        {
            if (cms is not { SignerInfos.Count: 1 }) return;
            var sid = cms.SignerInfos[0].SignerIdentifier;
            foreach (var c in pool)
            {
                if (Identifies(sid, c) && !signers.Contains(c)) signers.Add(c);
            }
        }
        foreach (var e in entries)
        {
            Add(e.Cms());
            if (e.TimestampToken() is { } token) Add(SignatureEntry.Decode(token));
        }
        return signers;
    }

    private static bool Identifies(SubjectIdentifier sid, X509Certificate2 certificate) => sid.Value switch
    {
        System.Security.Cryptography.Xml.X509IssuerSerial issuerSerial => string.Equals(issuerSerial.IssuerName, certificate.IssuerName.Name, StringComparison.Ordinal)
            && string.Equals(issuerSerial.SerialNumber, certificate.SerialNumber, StringComparison.OrdinalIgnoreCase),
        string keyId => certificate.Extensions["2.5.29.14"] is X509SubjectKeyIdentifierExtension ski
            && string.Equals(ski.SubjectKeyIdentifier, keyId, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    // ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT SignedData }
    // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo SEQUENCE,
    //                           certificates [0] IMPLICIT SET OF CertificateChoices OPTIONAL, crls [1] OPTIONAL, signerInfos SET }
    private static List<ReadOnlyMemory<byte>> CmsCertificates(byte[] cms)
    {
        var certificates = new List<ReadOnlyMemory<byte>>();
        try
        {
            var contentInfo = new AsnReader(cms, AsnEncodingRules.BER).ReadSequence();
            contentInfo.ReadObjectIdentifier();
            var signedData = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
            signedData.ReadInteger();
            signedData.ReadSetOf(skipSortOrderValidation: true);
            signedData.ReadSequence();
            if (!signedData.HasData || !signedData.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0))) return certificates;
            var set = signedData.ReadSetOf(true, new Asn1Tag(TagClass.ContextSpecific, 0));
            while (set.HasData)
            {
                var value = set.ReadEncodedValue();
                if (new AsnReader(value, AsnEncodingRules.BER).PeekTag().HasSameClassAndValue(Asn1Tag.Sequence)) certificates.Add(value); // not the other CertificateChoices
            }
        }
        catch (AsnContentException)
        {
            // Unreadable: it carries nothing a verifier could use.
        }
        return certificates;
    }

    /// <summary>
    /// The path from <paramref name="leaf"/> up through issuers found in <paramref name="pool"/> (each one's subject names
    /// the certificate below and its key verifies that certificate's signature), ending at a self-signed certificate or
    /// where no issuer is found. Time and trust are ignored: this says which certificates and CRLs belong to a
    /// signature, not whether to believe it. A plain walk rather than an <see cref="X509Chain"/> build, which cost about
    /// 2 ms per leaf here and was most of what B-LTA added to a completion (issue 22's budget).
    /// </summary>
    public static List<X509Certificate2> PathOf(X509Certificate2 leaf, X509Certificate2Collection pool)
    {
        var path = new List<X509Certificate2> { leaf };
        var current = leaf;
        while (path.Count < 8 && !current.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData))
        {
            X509Certificate2? issuer = null;
            foreach (var candidate in pool)
            {
                if (!path.Any(p => p.RawData.AsSpan().SequenceEqual(candidate.RawData)) && IssuerSignature.Issued(candidate, current))
                {
                    issuer = candidate;
                    break;
                }
            }
            if (issuer is null) break;
            path.Add(issuer);
            current = issuer;
        }
        return path;
    }
}
