using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sigill.Pdf.Rendering;
using Sigill.Pdf.Signing;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf;

/// <summary>
/// Adds signatures to a PDF as incremental updates: the result is always the original bytes
/// followed by one appended revision, so every earlier signature keeps verifying.
/// </summary>
public static class IncrementalSigner
{
    /// <summary>Appends one revision with a new signature field and its PAdES (ETSI.CAdES.detached) signature.</summary>
    public static byte[] Sign(byte[] pdf, SignatureRequest request)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(request);
        var builder = Open(pdf);
        foreach (var stamp in request.Stamps) AddStamp(builder, stamp);
        return SignRevision(builder, request);
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
    public static byte[] Complete(byte[] pdf, CompletionCertificate certificate, SignatureRequest seal)
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
        return SignRevision(builder, request);
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

    private static byte[] SignRevision(RevisionBuilder builder, SignatureRequest request)
    {
        var reserve = EstimateCmsSize(request);
        builder.AddSignature(request, reserve);
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

        // Hash the two signed ranges where they lie: no copy of the file without /Contents.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(output, 0, (int)contentsStart);
        hash.AppendData(output, (int)contentsEnd, output.Length - (int)contentsEnd);
        var cms = CadesSignature.Create(hash.GetHashAndReset(), request.Certificate, request.Chain);
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
