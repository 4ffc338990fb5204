using PdfSharp.Fonts;

namespace Sigill.Pdf.Rendering;

/// <summary>
/// PDFsharp finds no system fonts on Linux; this resolver serves the DejaVu Sans faces embedded in
/// this assembly (Fonts/, Bitstream Vera licence), which cover all of Latin including å ä ö ß €, and the
/// handwriting face of typed signatures, Dancing Script (<see cref="Script"/>, SIL Open Font License, Latin only).
/// </summary>
internal sealed class SigillFonts : IFontResolver
{
    public const string Family = "Sigill Sans";
    public const string Script = "Sigill Script";
    private const string ScriptFace = "Sigill.Pdf.Fonts.DancingScript-Regular.ttf";
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
        familyName == Script ? new(ScriptFace) : new(bold ? Bold : Regular, mustSimulateBold: false, mustSimulateItalic: italic);

    /// <summary>
    /// Whether the handwriting face has every character of <paramref name="text"/>: its Latin subset is Basic Latin,
    /// Latin-1 and the common punctuation; anything else (Łódź, Ελένη, 陳) is written in DejaVu Sans instead of boxes.
    /// </summary>
    public static bool ScriptCovers(string text) =>
        text.All(c => c < 0x100 || c is 'Œ' or 'œ' or 'ı' or '€' or '™' || c is >= '\u2000' and <= '\u206F');

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
