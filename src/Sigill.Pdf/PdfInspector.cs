using System.Runtime.InteropServices;
using Sigill.Pdf.Inspection;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf;

/// <summary>What an accepted PDF looks like.</summary>
public sealed record PdfInspection(int PageCount, IReadOnlyList<PageSize> Pages, long Length, bool HasSignatures);

/// <summary>
/// Validates an uploaded PDF before anything else touches it, with Sigill's own reader only (no other
/// library decodes an upload): size, encryption, then one sweep over every object in the file — listed
/// or not, inside object streams or not — that judges it against docs/pdf-policy.md and decodes every
/// stream against one <see cref="ReadBudget"/>, then the page tree. Nothing decoded is kept: the reader
/// lives for this call only. Every refusal is a <see cref="PdfRejectedException"/> with a stable code.
/// </summary>
public static class PdfInspector
{
    public static PdfInspection Inspect(Stream pdf, PdfLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        limits ??= PdfLimits.Default;
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = pdf.Read(buffer)) > 0)
        {
            if (ms.Length + read > limits.MaxBytes) throw TooLarge(limits);
            ms.Write(buffer, 0, read);
        }
        return Inspect(ms.ToArray(), limits);
    }

    public static PdfInspection Inspect(ReadOnlyMemory<byte> pdf, PdfLimits? limits = null)
    {
        limits ??= PdfLimits.Default;
        if (pdf.Length > limits.MaxBytes) throw TooLarge(limits);
        var bytes = MemoryMarshal.TryGetArray(pdf, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : pdf.ToArray();

        PdfFile file;
        try
        {
            file = PdfFile.Open(bytes, new ReadBudget(limits, bytes.Length), cacheObjects: false);
        }
        catch (PdfFormatException e)
        {
            if (bytes.AsSpan().IndexOf("/Encrypt"u8) >= 0) throw Encrypted();
            throw new PdfRejectedException(PdfErrorCodes.Malformed, $"The file is not a readable PDF: {e.Message}.", e);
        }
        if (file.Trailer.ContainsKey("Encrypt")) throw Encrypted();

        List<PageSize> pages;
        try
        {
            ObjectSweep.Run(file);
            pages = PageTree.Read(file, limits.MaxPages);
        }
        catch (PdfFormatException e)
        {
            throw new PdfRejectedException(PdfErrorCodes.Malformed, $"The PDF structure is damaged: {e.Message}.", e);
        }
        return new PdfInspection(pages.Count, pages, bytes.Length, bytes.AsSpan().IndexOf("/ByteRange"u8) >= 0);
    }

    private static PdfRejectedException TooLarge(PdfLimits limits) =>
        new(PdfErrorCodes.TooLarge, $"The PDF is larger than the limit of {limits.MaxBytes / (1024 * 1024)} MB.");

    private static PdfRejectedException Encrypted() =>
        new(PdfErrorCodes.Encrypted, "The PDF is encrypted or password-protected; upload an unprotected copy.");
}
