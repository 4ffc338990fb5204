using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Sigill.Pdf.LongTerm;
using Sigill.Pdf.Rendering;
using Sigill.Pdf.Signing;
using Sigill.Pdf.Syntax;
using Sigill.Pdf.Timestamps;

namespace Sigill.Pdf;

/// <summary>
/// Adds signatures to a PDF as incremental updates: the result is always the original bytes
/// followed by one appended revision, so every earlier signature keeps verifying.
/// </summary>
public static class IncrementalSigner
{
    /// <summary>Appends one revision with a new signature field and its PAdES (ETSI.CAdES.detached) signature: baseline B.</summary>
    public static byte[] Sign(byte[] pdf, SignatureRequest request) =>
        SignAsync(pdf, request, null, CancellationToken.None).GetAwaiter().GetResult(); // completes synchronously without a TSA

    /// <summary>
    /// As <see cref="Sign"/>; with <paramref name="tsa"/>, the CMS also carries a signature-timestamp token over its
    /// signature value (baseline B-T). A TSA failure throws <see cref="TimestampException"/> and nothing is returned:
    /// there is no silent fallback to a signature without a time.
    /// </summary>
    public static Task<byte[]> SignAsync(byte[] pdf, SignatureRequest request, ITimestampAuthority? tsa, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(request);
        var builder = Open(pdf);
        foreach (var stamp in request.Stamps) AddStamp(builder, stamp);
        return SignRevisionAsync(builder, request, tsa, cancellationToken);
    }

    /// <summary>
    /// Appends a document timestamp (<c>/DocTimeStamp</c>, <c>ETSI.RFC3161</c>) over the whole file as it is: the
    /// revision that makes a file with a DSS baseline B-LTA, and that renews it later.
    /// </summary>
    public static async Task<byte[]> TimestampDocumentAsync(byte[] pdf, ITimestampAuthority tsa, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(tsa);
        var builder = Open(pdf);
        builder.AddDocumentTimestamp(builder.FreeFieldName("Sigill document timestamp"), tsa.MaxTokenBytes);
        return await FinishSignedRevisionAsync(builder, tsa.HashAlgorithm, digest => tsa.TimestampAsync(digest, cancellationToken));
    }

    /// <summary>Appends an unsigned revision that draws stamps (typed names, images, field values); sign afterwards.</summary>
    public static byte[] Stamp(byte[] pdf, IReadOnlyList<PdfStamp> stamps)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(stamps);
        var builder = Open(pdf);
        foreach (var stamp in stamps) AddStamp(builder, stamp);
        return Concat(pdf, builder.Finish());
    }

    /// <summary>
    /// Appends the certificate of completion as a new last page and seals the whole file with
    /// <paramref name="seal"/> (normally the organization's certificate) in the same revision.
    /// </summary>
    public static byte[] Complete(byte[] pdf, CompletionCertificate certificate, SignatureRequest seal) =>
        CompleteAsync(pdf, certificate, seal, null, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>As <see cref="Complete"/>; with <paramref name="tsa"/> the seal carries a signature timestamp (B-T).</summary>
    public static Task<byte[]> CompleteAsync(byte[] pdf, CompletionCertificate certificate, SignatureRequest seal, ITimestampAuthority? tsa, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(seal);
        var builder = Open(pdf);
        var pageBytes = CompletionCertificateRenderer.Render(certificate);
        builder.AppendPages(PdfFile.Open(pageBytes));
        var request = new SignatureRequest
        {
            Certificate = seal.Certificate,
            Chain = seal.Chain,
            FieldName = seal.FieldName,
            SigningTime = seal.SigningTime,
            SignerName = seal.SignerName,
            Reason = seal.Reason ?? "Certificate of completion",
            Location = seal.Location,
            ContactInfo = seal.ContactInfo,
            PageIndex = builder.PageCount - 1,
            Stamps = seal.Stamps,
        };
        foreach (var stamp in request.Stamps) AddStamp(builder, stamp);
        return SignRevisionAsync(builder, request, tsa, cancellationToken);
    }

    private static RevisionBuilder Open(byte[] pdf)
    {
        var file = PdfFile.Open(pdf);
        if (file.Trailer.ContainsKey("Encrypt")) throw new PdfFormatException("encrypted PDFs cannot be signed");
        return new RevisionBuilder(file);
    }

    private static void AddStamp(RevisionBuilder builder, PdfStamp stamp)
    {
        var helper = StampRenderer.Render(stamp);
        builder.AddStamp(stamp.PageIndex, PdfFile.Open(helper), stamp.X, stamp.Y, stamp.Height);
    }

    private static Task<byte[]> SignRevisionAsync(RevisionBuilder builder, SignatureRequest request, ITimestampAuthority? tsa, CancellationToken cancellationToken)
    {
        var reserve = EstimateCmsSize(request) + (tsa?.MaxTokenBytes ?? 0);
        var chain = WithoutCarriedAnchors(builder.File.Data, request.Chain);
        builder.AddSignature(request, reserve);
        return FinishSignedRevisionAsync(builder, HashAlgorithmName.SHA256, async digest =>
        {
            var (attributes, signature, ecdsa) = CadesSignature.Sign(digest, request.Certificate);
            // The signature-timestamp covers the signature value (ETSI EN 319 122-1 §5.3), so it is asked for in between.
            var token = tsa is null ? [] : await tsa.TimestampAsync(TimestampTokens.Hash(tsa.HashAlgorithm, signature), cancellationToken);
            return CadesSignature.Encode(attributes, signature, ecdsa, request.Certificate, chain, token);
        });
    }

    /// <summary>
    /// The chain a new signature embeds: <paramref name="chain"/> less any self-signed certificate (a trust anchor, the
    /// installation root) that an earlier signature of the file already carries, so a root travels once per file, in
    /// its first signature. A verifier takes its anchor from its own trust store, never from the file, so repeating it
    /// proves nothing; what reads anchors from the file (<c>sigill pdf verify</c> without <c>--root</c>, the DSS
    /// collection) looks through every signature. And pdfsig 22.12 (poppler through NSS, as Debian 12 ships it)
    /// mishandles a root that arrives again in a later signature's CMS: every other such signature came out as "Unknown
    /// issue with Certificate or corrupted data" (NSS's SEC_ERROR_REUSED_ISSUER_AND_SERIAL while it imports the CMS
    /// certificates) instead of its trust verdict — the seal with the root untrusted, the second signature with it
    /// trusted. Intermediates are always embedded: verifiers build each signature's path from that signature's CMS.
    /// </summary>
    private static IReadOnlyList<X509Certificate2> WithoutCarriedAnchors(byte[] pdf, IReadOnlyList<X509Certificate2> chain)
    {
        if (!chain.Any(IsSelfSigned)) return chain;
        HashSet<string> carried;
        try
        {
            carried = SignatureEntries.Read(pdf).Select(e => e.Cms()).OfType<SignedCms>()
                .SelectMany(cms => cms.Certificates).Where(IsSelfSigned)
                .Select(c => c.GetCertHashString(HashAlgorithmName.SHA256)).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is PdfFormatException or PdfRejectedException or CryptographicException)
        {
            return chain; // an earlier signature that cannot be read carries nothing a verifier could use
        }
        return [.. chain.Where(c => !IsSelfSigned(c) || !carried.Contains(c.GetCertHashString(HashAlgorithmName.SHA256)))];
    }

    private static bool IsSelfSigned(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    /// <summary>
    /// Finishes a revision holding one signature dictionary: fills /ByteRange, hashes the two signed ranges in place
    /// (no copy of the file without /Contents) and writes what <paramref name="contents"/> makes of the digest.
    /// </summary>
    private static async Task<byte[]> FinishSignedRevisionAsync(RevisionBuilder builder, HashAlgorithmName hashAlgorithm, Func<byte[], Task<byte[]>> contents)
    {
        var appended = builder.Finish();
        var pdf = builder.File.Data;
        var output = Concat(pdf, appended);

        // ByteRange: everything except the /Contents hex string, delimiters included.
        var contentsStart = builder.ContentsOffset;
        var contentsEnd = contentsStart + builder.ContentsHexLength + 2;
        var byteRange = string.Create(CultureInfo.InvariantCulture,
            $"[0 {contentsStart} {contentsEnd} {output.Length - contentsEnd}");
        var brSpan = output.AsSpan((int)builder.ByteRangeOffset, RevisionBuilder.ByteRangePlaceholderLength);
        Encoding.ASCII.GetBytes(byteRange, brSpan); // the rest of the placeholder stays spaces, then ']'

        using var hash = IncrementalHash.CreateHash(hashAlgorithm);
        hash.AppendData(output, 0, (int)contentsStart);
        hash.AppendData(output, (int)contentsEnd, output.Length - (int)contentsEnd);
        var cms = await contents(hash.GetHashAndReset());
        if (cms.Length * 2 > builder.ContentsHexLength)
        {
            throw new InvalidOperationException($"the signature ({cms.Length} bytes) does not fit the reserved space ({builder.ContentsHexLength / 2} bytes)");
        }
        WriteHex(cms, output.AsSpan((int)contentsStart + 1));
        return output;
    }

    // Certificates dominate the CMS size; the rest (attributes, signature, structure) stays under
    // 1.5 KB even with RSA-4096. Room to spare costs only zeros.
    private static int EstimateCmsSize(SignatureRequest request)
    {
        var certs = request.Certificate.RawData.Length + request.Chain.Sum(c => c.RawData.Length);
        return certs + 2048;
    }

    private static void WriteHex(byte[] bytes, Span<byte> destination)
    {
        const string digits = "0123456789ABCDEF";
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)digits[bytes[i] >> 4];
            destination[2 * i + 1] = (byte)digits[bytes[i] & 0xF];
        }
    }

    private static byte[] Concat(byte[] a, byte[] b)
    {
        var result = GC.AllocateUninitializedArray<byte>(a.Length + b.Length);
        a.CopyTo(result, 0);
        b.CopyTo(result, a.Length);
        return result;
    }
}
