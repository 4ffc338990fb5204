using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Sigill.Pdf.Rendering;

/// <summary>A top-to-bottom text flow over PDFsharp pages: wrapping, page breaks, simple rows.</summary>
internal sealed class PageWriter : IDisposable
{
    internal static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);
    private readonly PdfDocument _document;
    private readonly double _width;
    private readonly double _height;
    private readonly double _margin;
    private XGraphics? _gfx;

    public PageWriter(PdfDocument document, double width, double height, double margin)
    {
        SigillFonts.EnsureInstalled();
        _document = document;
        _width = width;
        _height = height;
        _margin = margin;
    }

    public double Y { get; private set; }

    public double ContentWidth => _width - 2 * _margin;

    public double Left => _margin;

    public static XFont Font(double size, bool bold = false) =>
        new(SigillFonts.Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, Unicode);

    public XGraphics Graphics => _gfx ?? NewPage();

    public XGraphics NewPage()
    {
        _gfx?.Dispose();
        var page = _document.AddPage();
        page.Width = XUnit.FromPoint(_width);
        page.Height = XUnit.FromPoint(_height);
        _gfx = XGraphics.FromPdfPage(page);
        Y = _margin;
        return _gfx;
    }

    /// <summary>Makes sure <paramref name="height"/> points fit below the cursor, else starts a page.</summary>
    public XGraphics Reserve(double height)
    {
        var g = Graphics;
        if (Y + height > _height - _margin && Y > _margin) g = NewPage();
        return g;
    }

    public void Space(double points) => Y += points;

    public void Text(string text, XFont font, double indent = 0, double spacingAfter = 4)
    {
        var lineHeight = font.Size * 1.3;
        foreach (var line in Wrap(Graphics, text, font, ContentWidth - indent))
        {
            var g = Reserve(lineHeight);
            g.DrawString(line, font, XBrushes.Black, _margin + indent, Y, XStringFormats.TopLeft);
            Y += lineHeight;
        }
        Y += spacingAfter;
    }

    /// <summary>One table row: cells at column offsets; right-aligned cells end at their column's right edge.</summary>
    public void Row(XFont font, IReadOnlyList<(string Text, double Left, double Right, bool AlignRight)> cells, bool rule = false)
    {
        var lineHeight = font.Size * 1.5;
        var g = Reserve(lineHeight);
        foreach (var (text, left, right, alignRight) in cells)
        {
            var rect = new XRect(_margin + left, Y, right - left, lineHeight);
            g.DrawString(Fit(g, text, font, right - left), font, XBrushes.Black, rect,
                alignRight ? XStringFormats.TopRight : XStringFormats.TopLeft);
        }
        Y += lineHeight;
        if (rule)
        {
            g.DrawLine(XPens.Gray, _margin, Y - 2, _margin + ContentWidth, Y - 2);
        }
    }

    private static string Fit(XGraphics g, string text, XFont font, double width)
    {
        if (g.MeasureString(text, font).Width <= width) return text;
        return text[..LongestFit(g, text, 0, font, width, "…")] + "…";
    }

    public static IEnumerable<string> Wrap(XGraphics g, string text, XFont font, double width)
    {
        foreach (var paragraphLine in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var words = paragraphLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) { yield return ""; continue; }
            var current = "";
            foreach (var word in words)
            {
                var candidate = current.Length == 0 ? word : current + " " + word;
                if (g.MeasureString(candidate, font).Width <= width) { current = candidate; continue; }
                if (current.Length > 0) yield return current;
                // A single word longer than the line is split by characters, a line's worth at a time.
                var start = 0;
                while (word.Length - start > 1)
                {
                    var fit = LongestFit(g, word, start, font, width, "");
                    if (start + fit == word.Length) break;
                    yield return word.Substring(start, fit);
                    start += fit;
                }
                current = word[start..];
            }
            if (current.Length > 0) yield return current;
        }
    }

    /// <summary>
    /// The length (at least 1) of the longest piece of <paramref name="text"/> from <paramref name="start"/> that, followed by
    /// <paramref name="suffix"/>, fits in <paramref name="width"/>. The piece grows by doubling and the last gap is halved,
    /// so only pieces up to about twice a line are measured: cutting a 200,000-character word (a template body can be one)
    /// took hours when every shorter prefix of the whole word was measured in turn.
    /// </summary>
    private static int LongestFit(XGraphics g, string text, int start, XFont font, double width, string suffix)
    {
        var available = text.Length - start;
        bool Fits(int length) => g.MeasureString(string.Concat(text.AsSpan(start, length), suffix), font).Width <= width;
        int fits = 1, over = available + 1;
        for (var probe = 2; probe <= available; probe = probe > available / 2 ? available : probe * 2)
        {
            if (!Fits(probe)) { over = probe; break; }
            fits = probe;
            if (probe == available) break;
        }
        while (over - fits > 1)
        {
            var middle = fits + (over - fits) / 2;
            if (Fits(middle)) fits = middle; else over = middle;
        }
        return fits;
    }

    public void Dispose() => _gfx?.Dispose();

    /// <summary>
    /// PDFsharp makes a document's catalog, pages, resources and other dictionaries through reflection, looking their
    /// constructors up each time. .NET keeps a type's reflection data (with the invoke stub it emits and compiles for a
    /// constructor) only while something references it, so after every garbage collection the next document emitted and
    /// compiled those stubs again: about 30 a second during a bulk send, and as many dynamic methods to finalize.
    /// Holding the constructors here keeps them.
    /// </summary>
    private static readonly System.Reflection.ConstructorInfo[] s_pdfSharpConstructors = PdfSharpConstructors();

    private static System.Reflection.ConstructorInfo[] PdfSharpConstructors()
    {
        Type?[] types;
        try
        {
            types = typeof(PdfItem).Assembly.GetTypes();
        }
        catch (System.Reflection.ReflectionTypeLoadException e)
        {
            types = e.Types;
        }
        return [.. types.Where(t => t is { IsAbstract: false } && typeof(PdfItem).IsAssignableFrom(t))
            .SelectMany(t => t!.GetConstructors(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))];
    }

    /// <summary>PDFsharp writes Flate streams without Adler-32 (qpdf warns); helper pages are written uncompressed and recompressed on import.</summary>
    public static PdfDocument NewDocument(bool compress)
    {
        GC.KeepAlive(s_pdfSharpConstructors);
        var doc = new PdfDocument();
        doc.Options.NoCompression = !compress;
        doc.Options.CompressContentStreams = compress;
        return doc;
    }
}
