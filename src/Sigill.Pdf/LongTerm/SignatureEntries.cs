using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.Signing;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.LongTerm;

/// <summary>One signature dictionary found in a file: its byte range, its dictionary and its /Contents (trimmed DER).</summary>
internal sealed record SignatureEntry(long[] ByteRange, PdfDict? Dictionary, byte[]? Contents)
{
    public bool IsDocumentTimestamp => Dictionary?.GetName("SubFilter") == "ETSI.RFC3161";

    public long SignedLength => ByteRange[1] + ByteRange[3];

    /// <summary>The CMS of a CAdES signature, or null (a document timestamp, or unreadable).</summary>
    public SignedCms? Cms()
    {
        if (IsDocumentTimestamp || Contents is null) return null;
        try
        {
            var cms = new SignedCms();
            cms.Decode(Contents);
            return cms;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The signature-timestamp token (DER) of a CAdES signature, or the token of a document timestamp.</summary>
    public byte[]? TimestampToken()
    {
        if (IsDocumentTimestamp) return Contents;
        var cms = Cms();
        if (cms is null || cms.SignerInfos.Count != 1) return null;
        foreach (var a in cms.SignerInfos[0].UnsignedAttributes)
        {
            if (a.Oid.Value == CadesSignature.SignatureTimeStampOid && a.Values.Count == 1) return a.Values[0].RawData;
        }
        return null;
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

    /// <summary>Every certificate a file carries: in signatures' CMS, in timestamp tokens, and in the DSS.</summary>
    public static X509Certificate2Collection Certificates(IEnumerable<SignatureEntry> entries, DssContents dss)
    {
        var pool = new X509Certificate2Collection();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(X509Certificate2 c)
        {
            if (seen.Add(c.Thumbprint)) pool.Add(c);
        }
        foreach (var e in entries)
        {
            if (e.Cms() is { } cms) foreach (var c in cms.Certificates) Add(c);
            if (e.TimestampToken() is { } token && Rfc3161TimestampToken.TryDecode(token, out var t, out _))
            {
                foreach (var c in t.AsSignedCms().Certificates) Add(c);
            }
        }
        foreach (var der in dss.Certificates)
        {
            try
            {
                Add(X509CertificateLoader.LoadCertificate(der));
            }
            catch (CryptographicException)
            {
                // A damaged DSS entry helps nobody; verification reports what is missing.
            }
        }
        return pool;
    }

    /// <summary>The path from <paramref name="leaf"/> up to a self-signed certificate among <paramref name="pool"/>, ignoring time and trust.</summary>
    public static List<X509Certificate2> PathOf(X509Certificate2 leaf, X509Certificate2Collection pool)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        foreach (var c in pool)
        {
            if (c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData)) chain.ChainPolicy.CustomTrustStore.Add(c);
        }
        chain.ChainPolicy.ExtraStore.AddRange(pool);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllFlags;
        chain.Build(leaf);
        return chain.ChainElements.Select(e => e.Certificate).ToList();
    }
}
