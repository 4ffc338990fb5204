using System.Runtime.InteropServices;
using Sigill.Pdf.Syntax;
using UglyToad.PdfPig;

namespace Sigill.Pdf;

/// <summary>Limits applied to uploaded PDFs.</summary>
public sealed record PdfLimits
{
    public static readonly PdfLimits Default = new();

    /// <summary>Largest accepted file, in bytes (default 50 MB).</summary>
    public long MaxBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Most pages accepted (default 2000).</summary>
    public int MaxPages { get; init; } = 2000;
}

/// <summary>Stable error codes for rejected PDFs (the API maps them to problem details).</summary>
public static class PdfErrorCodes
{
    public const string Malformed = "pdf_malformed";
    public const string Encrypted = "pdf_encrypted";
    public const string TooLarge = "pdf_too_large";
    public const string JavaScript = "pdf_javascript";
}

/// <summary>An uploaded PDF was refused; <see cref="Code"/> is one of <see cref="PdfErrorCodes"/>.</summary>
public sealed class PdfRejectedException : Exception
{
    public PdfRejectedException() : this(PdfErrorCodes.Malformed, "The PDF was rejected.") { }

    public PdfRejectedException(string message) : this(PdfErrorCodes.Malformed, message) { }

    public PdfRejectedException(string message, Exception inner) : base(message, inner) => Code = PdfErrorCodes.Malformed;

    public PdfRejectedException(string code, string message, Exception? inner = null) : base(message, inner) => Code = code;

    public string Code { get; }
}

/// <summary>What an accepted PDF looks like.</summary>
public sealed record PdfInspection(int PageCount, IReadOnlyList<PageSize> Pages, long Length, bool HasSignatures);

/// <summary>
/// Validates an uploaded PDF before anything else touches it: size, encryption, active content
/// (JavaScript and automatic actions) and that both our incremental-update reader and PdfPig can
/// read it. Every object in the cross-reference (object streams included) is scanned, because
/// JavaScript can hide anywhere reachable from the catalog.
/// </summary>
public static class PdfInspector
{
    private static readonly HashSet<string> ActiveKeys = new(StringComparer.Ordinal) { "JS", "JavaScript", "AA" };

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
            file = PdfFile.Open(bytes);
        }
        catch (PdfFormatException e)
        {
            if (RawContains(bytes, "/Encrypt"u8)) throw Encrypted();
            throw new PdfRejectedException(PdfErrorCodes.Malformed, $"The file is not a readable PDF: {e.Message}.", e);
        }
        if (file.Trailer.ContainsKey("Encrypt")) throw Encrypted();

        try
        {
            ScanForActiveContent(file);
        }
        catch (PdfFormatException e)
        {
            throw new PdfRejectedException(PdfErrorCodes.Malformed, $"The PDF structure is damaged: {e.Message}.", e);
        }
        // Uncompressed objects outside the cross-reference (orphans) can still be found by some readers.
        if (RawContainsName(bytes, "/JavaScript"u8) || RawContainsName(bytes, "/JS"u8)) throw JavaScript();

        List<PageSize> pages;
        try
        {
            using var document = PdfDocument.Open(bytes, new ParsingOptions { UseLenientParsing = false });
            pages = new List<PageSize>(document.NumberOfPages);
            if (document.NumberOfPages > limits.MaxPages)
            {
                throw new PdfRejectedException(PdfErrorCodes.TooLarge, $"The PDF has {document.NumberOfPages} pages; at most {limits.MaxPages} are accepted.");
            }
            for (var i = 1; i <= document.NumberOfPages; i++)
            {
                var page = document.GetPage(i);
                pages.Add(new PageSize(page.Width, page.Height));
            }
        }
        catch (PdfRejectedException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new PdfRejectedException(PdfErrorCodes.Malformed, "The file is not a readable PDF.", e);
        }
        if (pages.Count == 0) throw new PdfRejectedException(PdfErrorCodes.Malformed, "The PDF has no pages.");
        return new PdfInspection(pages.Count, pages, bytes.Length, RawContains(bytes, "/ByteRange"u8));
    }

    private static void ScanForActiveContent(PdfFile file)
    {
        var names = file.ResolveDict(file.Catalog.Get("Names"));
        if (names?.ContainsKey("JavaScript") == true) throw JavaScript();
        if (file.Resolve(file.Catalog.Get("OpenAction")) is PdfDict open && IsJavaScriptAction(file, open)) throw JavaScript();
        foreach (var (number, entry) in file.Xref)
        {
            if (entry.Kind == XrefKind.Free) continue;
            var value = file.GetObject(number);
            if (value is PdfStream s) value = s.Dict;
            if (value is not null && ContainsActiveContent(file, value, 0)) throw JavaScript();
        }
    }

    private static bool ContainsActiveContent(PdfFile file, object value, int depth)
    {
        if (depth > 64) return false;
        switch (value)
        {
            case PdfDict d:
                foreach (var (key, v) in d)
                {
                    if (ActiveKeys.Contains(key)) return true;
                    if (key == "S" && v is PdfName { Value: "JavaScript" }) return true;
                    if (ContainsActiveContent(file, v, depth + 1)) return true;
                }
                return false;
            case PdfArray a:
                return a.Any(v => ContainsActiveContent(file, v, depth + 1));
            default:
                return false;
        }
    }

    private static bool IsJavaScriptAction(PdfFile file, PdfDict action) =>
        action.GetName("S") == "JavaScript" || action.ContainsKey("JS")
        || (file.Resolve(action.Get("Next")) is PdfDict next && next != action && IsJavaScriptAction(file, next));

    private static bool RawContains(byte[] bytes, ReadOnlySpan<byte> token) => bytes.AsSpan().IndexOf(token) >= 0;

    /// <summary>Finds a name token (followed by a delimiter or whitespace, so /JS does not match /JSON).</summary>
    private static bool RawContainsName(byte[] bytes, ReadOnlySpan<byte> name)
    {
        var span = bytes.AsSpan();
        var at = 0;
        while (true)
        {
            var i = span[at..].IndexOf(name);
            if (i < 0) return false;
            var end = at + i + name.Length;
            if (end >= span.Length || PdfLexer.IsWhite(span[end]) || PdfLexer.IsDelimiter(span[end])) return true;
            at = end;
        }
    }

    private static PdfRejectedException TooLarge(PdfLimits limits) =>
        new(PdfErrorCodes.TooLarge, $"The PDF is larger than the limit of {limits.MaxBytes / (1024 * 1024)} MB.");

    private static PdfRejectedException Encrypted() =>
        new(PdfErrorCodes.Encrypted, "The PDF is encrypted or password-protected; upload an unprotected copy.");

    private static PdfRejectedException JavaScript() =>
        new(PdfErrorCodes.JavaScript, "The PDF contains JavaScript or automatic actions, which are not accepted.");
}
