using System.Runtime.InteropServices;
using Sigill.Pdf.Syntax;
using Sigill.Pdf.Text;

namespace Sigill.Pdf;

/// <summary>
/// A piece of a PDF's text. <see cref="Page"/> is the page (from 1) whose content, forms or annotation appearances show
/// it, or 0 for text the file holds outside what pages draw: document information, form field values, annotation
/// contents, bookmarks.
/// </summary>
public readonly record struct PdfTextChunk(int Page, string Text);

/// <summary>
/// The text of a PDF, for scanning it (Sigill looks for card numbers in uploads and in what it stores): Sigill's own
/// reader only, with the same limits as <see cref="PdfInspector"/>. Text is read from what shows it (the text operators
/// of page content, forms and annotation appearances, through the fonts' ToUnicode maps where they have them) and from
/// the strings of every object; its order within a page is the order of the content stream, which for a scan is what
/// matters: what sits together on a line is shown together. It is not a layout engine: glyphs placed far apart by
/// positioning alone may read as one word, and fonts without a ToUnicode map whose codes are glyph ids read as nothing.
/// <para>
/// Work is bounded by <see cref="PdfLimits"/> through one read budget per call, each stream is decoded once, and nothing
/// but <see cref="PdfRejectedException"/> escapes (a file that cannot be read at all is <c>pdf_malformed</c>, one that
/// costs too much <c>pdf_too_complex</c>); damage inside a stream ends that stream's text, not the reading.
/// </para>
/// </summary>
public static class PdfText
{
    /// <summary>
    /// Hands the text of <paramref name="pdf"/> to <paramref name="visit"/> in chunks, pages in order and then page 0;
    /// stops when <paramref name="visit"/> returns false.
    /// </summary>
    public static void Read(ReadOnlyMemory<byte> pdf, PdfLimits? limits, Func<PdfTextChunk, bool> visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        limits ??= PdfLimits.Default;
        if (pdf.Length > limits.MaxBytes)
        {
            throw new PdfRejectedException(PdfErrorCodes.TooLarge, $"The PDF is larger than the limit of {limits.MaxBytes / (1024 * 1024)} MB.");
        }
        var bytes = MemoryMarshal.TryGetArray(pdf, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : pdf.ToArray();
        try
        {
            var file = PdfFile.Open(bytes, new ReadBudget(limits, bytes.Length), cacheObjects: false);
            if (file.Trailer.ContainsKey("Encrypt"))
            {
                throw new PdfRejectedException(PdfErrorCodes.Encrypted, "The PDF is encrypted or password-protected; its text cannot be read.");
            }
            new TextExtraction(file, limits.MaxPages, new TextCollector(visit)).Run();
        }
        catch (PdfFormatException e)
        {
            throw new PdfRejectedException(PdfErrorCodes.Malformed, $"The PDF's text could not be read: {e.Message}.", e);
        }
    }
}
