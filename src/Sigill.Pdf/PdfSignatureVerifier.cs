using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.LongTerm;
using Sigill.Pdf.Signing;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf;

/// <summary>One signature found in the file and what was established about it.</summary>
public sealed record SignatureReport(
    string? FieldName,
    string? SignerSubject,
    DateTimeOffset? SigningTime,
    string? Reason,
    long SignedLength,
    bool CoversWholeFile,
    bool IsValid,
    IReadOnlyList<string> Problems)
{
    /// <summary>"signature" (CAdES) or "document timestamp" (RFC 3161).</summary>
    public string Kind { get; init; } = "signature";

    /// <summary>PAdES baseline level reached: B, B-T, B-LT or B-LTA (document timestamps: "timestamp").</summary>
    public string Level { get; init; } = "B";

    /// <summary>Why the level is not higher (empty at B-LTA).</summary>
    public IReadOnlyList<string> LevelGaps { get; init; } = [];

    /// <summary>The time a valid timestamp token proves (the signature timestamp, or the document timestamp's own).</summary>
    public DateTimeOffset? TimestampTime { get; init; }

    /// <summary>The TSA certificate's subject.</summary>
    public string? TimestampAuthority { get; init; }

    /// <summary>When the TSA certificate expires: the time before which a document timestamp needs renewing.</summary>
    public DateTimeOffset? TimestampCertificateNotAfter { get; init; }

    /// <summary>Facts worth showing that do not make the signature invalid (a certificate revoked after the timestamped time).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>Every signature in file order, and whether the last one covers the whole file.</summary>
public sealed record VerificationReport(IReadOnlyList<SignatureReport> Signatures, long FileLength)
{
    public bool LastSignatureCoversWholeFile => Signatures.Count > 0 && Signatures[^1].CoversWholeFile;

    /// <summary>
    /// What follows the last signature only adds validation data (a DSS), which PAdES allows after a document
    /// timestamp; Sigill's own files never need it (their document timestamp is always last).
    /// </summary>
    public bool OnlyValidationDataAfterLastSignature { get; init; }

    /// <summary>At least one signature, all valid, and nothing appended after the last but validation data.</summary>
    public bool IsValid => Signatures.Count > 0 && Signatures.All(s => s.IsValid) && (LastSignatureCoversWholeFile || OnlyValidationDataAfterLastSignature);

    /// <summary>The lowest level of the file's signatures (document timestamps aside): what the file as a whole reaches.</summary>
    public string Level => Signatures.Where(s => s.Kind == "signature").Select(s => s.Level).DefaultIfEmpty("none")
        .MinBy(l => Array.IndexOf(Levels, l))!;

    private static readonly string[] Levels = ["none", "B", "B-T", "B-LT", "B-LTA"];
}

/// <summary>
/// Verifies every signature of a PDF. Signatures are found by scanning for /ByteRange rather than
/// through the newest AcroForm, so a later revision cannot hide an earlier signature by dropping
/// its field, and a damaged cross-reference does not hide one either.
/// </summary>
public static class PdfSignatureVerifier
{
    /// <param name="timestampRoots">Trust anchors for TSA certificates; by default <paramref name="trustedRoots"/>.</param>
    public static VerificationReport Verify(byte[] pdf, IEnumerable<X509Certificate2> trustedRoots, IEnumerable<X509Certificate2>? timestampRoots = null)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(trustedRoots);
        var roots = new X509Certificate2Collection();
        foreach (var r in trustedRoots) roots.Add(r);
        var tsaRoots = new X509Certificate2Collection();
        foreach (var r in timestampRoots ?? roots) tsaRoots.Add(r);
        var fieldNames = FieldNamesBySignatureObject(pdf);
        var dss = DssContents.Read(pdf);
        var entries = SignatureEntries.Read(pdf);
        var longTerm = new LongTermContext(dss, SignatureEntries.Certificates(entries, dss), tsaRoots);
        var reports = new List<SignatureReport>();
        var at = 0;
        while (true)
        {
            var i = pdf.AsSpan(at).IndexOf("/ByteRange"u8);
            if (i < 0) break;
            var pos = at + i;
            at = pos + 10;
            var report = VerifyOne(pdf, pos, roots, fieldNames, longTerm);
            if (report is not null) reports.Add(report);
        }
        // File order of the signed ranges is the order of signing.
        reports.Sort((a, b) => a.SignedLength.CompareTo(b.SignedLength));
        var last = reports.Count > 0 ? reports[^1] : null;
        var lastRange = entries.LastOrDefault()?.ByteRange;
        return new VerificationReport(longTerm.Archive(reports), pdf.Length)
        {
            OnlyValidationDataAfterLastSignature = last is { CoversWholeFile: false } && lastRange is not null
                && TrailingRevisions.OnlyAddValidationData(pdf, lastRange[2] + lastRange[3]),
        };
    }

    private static SignatureReport? VerifyOne(byte[] pdf, int byteRangePos, X509Certificate2Collection roots, Dictionary<int, string> fieldNames, LongTermContext longTerm)
    {
        var problems = new List<string>();
        long[] br;
        try
        {
            var lexer = new PdfLexer(pdf, byteRangePos + 10);
            if (lexer.ReadObject() is not PdfArray arr || arr.Count != 4 || arr.Any(x => x is not PdfNumber)) return null;
            br = arr.Select(x => ((PdfNumber)x).AsLong()).ToArray();
        }
        catch (Exception e) when (e is PdfFormatException or PdfRejectedException)
        {
            return null;
        }
        // The enclosing object gives the dictionary (for /Contents position, /M, /Name, /Reason).
        var (objNumber, dict, contentsStart) = EnclosingSignatureDictionary(pdf, byteRangePos);

        var holeStart = br[1];
        var holeEnd = br[2];
        var signedLength = br[1] + br[3];
        var coversWhole = br[2] + br[3] == pdf.Length;
        if (br[0] != 0) problems.Add("the signed range does not start at the beginning of the file");
        if (holeStart < 0 || holeEnd <= holeStart || holeEnd + br[3] > pdf.Length || br[3] < 0)
        {
            problems.Add("the byte range lies outside the file");
            return new SignatureReport(FieldName(), null, null, null, signedLength, false, false, problems);
        }
        if (contentsStart != holeStart) problems.Add("the unsigned hole is not exactly this signature's /Contents");
        if (pdf[holeStart] != '<' || pdf[holeEnd - 1] != '>') problems.Add("the unsigned hole is not a hex string");
        for (var p = holeStart + 1; p < holeEnd - 1; p++)
        {
            if (!Uri.IsHexDigit((char)pdf[p])) { problems.Add("the unsigned hole holds more than hex digits"); break; }
        }
        if (holeStart > byteRangePos || holeEnd < byteRangePos) { /* /Contents after or before /ByteRange: both fine */ }

        string? subject = null;
        try
        {
            var der = TrimDer(new PdfString(pdf.AsSpan((int)holeStart, (int)(holeEnd - holeStart)).ToArray()).Decode());
            var signed = new byte[signedLength];
            pdf.AsSpan(0, (int)holeStart).CopyTo(signed);
            pdf.AsSpan((int)holeEnd, (int)br[3]).CopyTo(signed.AsSpan((int)holeStart));
            if (dict?.GetName("SubFilter") == "ETSI.RFC3161")
            {
                var ts = longTerm.DocumentTimestamp(der, signed, problems);
                return new SignatureReport(FieldName(), ts?.Signer.Subject, ts?.Time, null, signedLength, coversWhole, problems.Count == 0, problems)
                {
                    Kind = "document timestamp",
                    Level = "timestamp",
                    TimestampTime = ts?.Time,
                    TimestampAuthority = ts?.Signer.Subject,
                    TimestampCertificateNotAfter = ts?.Signer.NotAfter,
                };
            }
            var cms = new SignedCms(new ContentInfo(signed), detached: true);
            cms.Decode(der);
            if (cms.SignerInfos.Count != 1) problems.Add("the CMS must have exactly one signer");
            var signer = cms.SignerInfos[0];
            var cert = signer.Certificate;
            subject = cert?.Subject;
            try
            {
                cms.CheckSignature(verifySignatureOnly: true);
            }
            catch (CryptographicException)
            {
                problems.Add("the signature does not match the signed bytes");
            }
            var digest = SHA256.HashData(signed);
            var md = Attribute(signer, CadesSignature.MessageDigestOid);
            if (md is null || !new AsnReader(md, AsnEncodingRules.DER).ReadOctetString().AsSpan().SequenceEqual(digest))
            {
                problems.Add("the message digest is not the SHA-256 of the signed bytes");
            }
            var scv2 = Attribute(signer, CadesSignature.SigningCertificateV2Oid);
            if (scv2 is null) problems.Add("no signing-certificate-v2 attribute (not PAdES)");
            else if (cert is null || CadesSignature.ReadSigningCertificateV2Hash(scv2) is not { } h || !h.AsSpan().SequenceEqual(SHA256.HashData(cert.RawData)))
            {
                problems.Add("signing-certificate-v2 does not name the signer's certificate");
            }
            var timestamp = longTerm.SignatureTimestamp(signer, problems);
            if (cert is not null)
            {
                // At the timestamped time when there is one: a certificate that has expired since still verifies.
                CheckChain(cert, cms.Certificates, roots, timestamp?.Time ?? SigningTime(dict), problems);
                var (level, gaps, notes) = longTerm.Level(cert, cms.Certificates, timestamp, SigningTime(dict), problems);
                return new SignatureReport(FieldName(), subject, SigningTime(dict), (dict?.Get("Reason") as PdfString)?.DecodeText(),
                    signedLength, coversWhole, problems.Count == 0, problems)
                {
                    Level = level,
                    LevelGaps = gaps,
                    Notes = notes,
                    TimestampTime = timestamp?.Time,
                    TimestampAuthority = timestamp?.Signer.Subject,
                    TimestampCertificateNotAfter = timestamp?.Signer.NotAfter,
                };
            }
            problems.Add("the signer's certificate is not embedded");
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or PdfFormatException or FormatException)
        {
            problems.Add("the signature data cannot be read: " + e.Message);
        }
        return new SignatureReport(FieldName(), subject, SigningTime(dict), (dict?.Get("Reason") as PdfString)?.DecodeText(),
            signedLength, coversWhole, problems.Count == 0, problems);

        string? FieldName() => objNumber is { } n && fieldNames.TryGetValue(n, out var name) ? name : null;
    }

    private static void CheckChain(X509Certificate2 cert, X509Certificate2Collection embedded, X509Certificate2Collection roots, DateTimeOffset? time, List<string> problems)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.ExtraStore.AddRange(embedded);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = (time ?? DateTimeOffset.UtcNow).UtcDateTime;
        if (!chain.Build(cert))
        {
            var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()));
            problems.Add($"the certificate does not chain to a trusted root ({status})");
        }
        foreach (var element in chain.ChainElements) element.Certificate.Dispose();
    }

    private static byte[]? Attribute(SignerInfo signer, string oid)
    {
        foreach (var a in signer.SignedAttributes)
        {
            if (a.Oid.Value == oid && a.Values.Count == 1) return a.Values[0].RawData;
        }
        return null;
    }

    // /Contents is zero-padded; the CMS is the first complete DER element.
    internal static byte[] TrimDer(byte[] contents)
    {
        var r = new AsnReader(contents, AsnEncodingRules.BER);
        return r.ReadEncodedValue().ToArray();
    }

    private static DateTimeOffset? SigningTime(PdfDict? dict) =>
        dict?.Get("M") is PdfString m ? ParsePdfDate(m.DecodeText()) : null;

    internal static DateTimeOffset? ParsePdfDate(string s)
    {
        if (s.StartsWith("D:", StringComparison.Ordinal)) s = s[2..];
        if (s.Length < 14) return null;
        if (!DateTime.TryParseExact(s[..14], "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return null;
        var offset = TimeSpan.Zero;
        var tz = s[14..];
        if (tz.Length >= 3 && (tz[0] == '+' || tz[0] == '-'))
        {
            var hours = int.Parse(tz.AsSpan(1, 2), CultureInfo.InvariantCulture);
            var minutes = tz.Length >= 6 && int.TryParse(tz.AsSpan(4, 2), CultureInfo.InvariantCulture, out var m) ? m : 0;
            offset = new TimeSpan(hours, minutes, 0) * (tz[0] == '-' ? -1 : 1);
        }
        return new DateTimeOffset(local, offset);
    }

    /// <summary>Finds "N G obj" before the /ByteRange and parses that object as the signature dictionary.</summary>
    internal static (int? Number, PdfDict? Dict, long ContentsStart) EnclosingSignatureDictionary(byte[] pdf, int byteRangePos)
    {
        var from = Math.Max(0, byteRangePos - 4096);
        var objPos = pdf.AsSpan(from, byteRangePos - from).LastIndexOf(" obj"u8);
        if (objPos < 0) return (null, null, -1);
        objPos += from;
        // Walk back over "N G".
        var p = objPos;
        for (var fields = 0; fields < 2; fields++)
        {
            while (p > 0 && pdf[p - 1] == ' ') p--;
            while (p > 0 && pdf[p - 1] is >= (byte)'0' and <= (byte)'9') p--;
        }
        try
        {
            var lexer = new PdfLexer(pdf, p);
            var number = int.Parse(lexer.ReadRegular(), CultureInfo.InvariantCulture);
            lexer.ReadRegular();
            lexer.ExpectKeyword("obj");
            lexer.SkipWhite();
            if (lexer.Position >= pdf.Length || pdf[lexer.Position] != '<') return (null, null, -1);
            // Parse the dictionary manually to learn where /Contents starts.
            long contentsStart = -1;
            lexer.Position += 2;
            var dict = new PdfDict();
            while (true)
            {
                lexer.SkipWhite();
                if (pdf[lexer.Position] == '>' && pdf[lexer.Position + 1] == '>') break;
                var key = lexer.ReadName().Value;
                lexer.SkipWhite();
                var valueStart = lexer.Position;
                var value = lexer.ReadObject();
                if (key == "Contents") contentsStart = valueStart;
                dict[key] = value;
            }
            return dict.GetName("Type") is null or "Sig" or "DocTimeStamp" ? (number, dict, contentsStart) : (null, null, -1);
        }
        catch (Exception e) when (e is PdfFormatException or PdfRejectedException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            return (null, null, -1);
        }
    }

    /// <summary>Maps signature-dictionary object numbers to field names through the newest AcroForm (best effort).</summary>
    private static Dictionary<int, string> FieldNamesBySignatureObject(byte[] pdf)
    {
        var result = new Dictionary<int, string>();
        try
        {
            var file = PdfFile.Open(pdf);
            var acro = file.ResolveDict(file.Catalog.Get("AcroForm"));
            if (file.Resolve(acro?.Get("Fields")) is not PdfArray fields) return result;
            var seen = new HashSet<int>();
            void Walk(object item, string prefix, int depth)
            {
                if (depth > 32 || (item is PdfRef r && !seen.Add(r.Number))) return;
                var d = file.ResolveDict(item);
                if (d is null) return;
                var name = d.Get("T") is PdfString t ? t.DecodeText() : null;
                var full = name is null ? prefix : prefix.Length == 0 ? name : prefix + "." + name;
                if (d.Get("V") is PdfRef v) result.TryAdd(v.Number, full);
                if (file.Resolve(d.Get("Kids")) is PdfArray kids)
                {
                    foreach (var k in kids) Walk(k, full, depth + 1);
                }
            }
            foreach (var f in fields) Walk(f, "", 0);
        }
        catch (Exception e) when (e is PdfFormatException or PdfRejectedException or InvalidCastException or KeyNotFoundException)
        {
            // Names are informative only; a damaged structure is reported through the signatures.
        }
        return result;
    }
}
