using PdfSharp.Fonts;

namespace Sigill.Pdf.Rendering;

/// <summary>
/// PDFsharp finds no system fonts on Linux; this resolver serves the DejaVu Sans faces embedded in
/// this assembly (Fonts/, Bitstream Vera licence), which cover all of Latin including å ä ö ß €.
/// </summary>
internal sealed class SigillFonts : IFontResolver
{
    public const string Family = "Sigill Sans";
    private const string Regular = "Sigill.Pdf.Fonts.DejaVuSans.ttf";
    private const string Bold = "Sigill.Pdf.Fonts.DejaVuSans-Bold.ttf";
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, byte[]> Faces = [];

    /// <summary>Installs the resolver once per process (PDFsharp's font settings are global).</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is SigillFonts) return;
            if (GlobalFontSettings.FontResolver is null) GlobalFontSettings.FontResolver = new SigillFonts();
            else GlobalFontSettings.FallbackFontResolver ??= new SigillFonts();
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? Bold : Regular, mustSimulateBold: false, mustSimulateItalic: italic);

    public byte[]? GetFont(string faceName)
    {
        lock (Gate)
        {
            if (Faces.TryGetValue(faceName, out var cached)) return cached;
            using var stream = typeof(SigillFonts).Assembly.GetManifestResourceStream(faceName);
            if (stream is null) return null;
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            return Faces[faceName] = ms.ToArray();
        }
    }
}
