using PdfSharp.Drawing;

namespace Sigill.Pdf.Rendering;

/// <summary>Renders one stamp as a one-page helper PDF exactly the stamp's size (imported as a Form XObject).</summary>
internal static class StampRenderer
{
    public static byte[] Render(PdfStamp stamp)
    {
        if (stamp.Width <= 0 || stamp.Height <= 0) throw new ArgumentException("a stamp needs a positive size", nameof(stamp));
        if ((stamp.Text is null) == (stamp.Image is null)) throw new ArgumentException("a stamp has either text or an image", nameof(stamp));
        SigillFonts.EnsureInstalled();
        using var document = PageWriter.NewDocument(compress: false);
        var page = document.AddPage();
        page.Width = XUnit.FromPoint(stamp.Width);
        page.Height = XUnit.FromPoint(stamp.Height);
        using (var g = XGraphics.FromPdfPage(page))
        {
            if (stamp.Text is { } text)
            {
                var script = stamp.Handwriting && SigillFonts.ScriptCovers(text);
                XFont Font(double points) => script ? new XFont(SigillFonts.Script, points, XFontStyleEx.Regular, PageWriter.Unicode) : PageWriter.Font(points);
                var size = stamp.FontSize > 0 ? stamp.FontSize : Math.Min(script ? 28 : 24, stamp.Height * (script ? 0.8 : 0.7));
                var font = Font(size);
                while (stamp.FontSize <= 0 && size > 4 && g.MeasureString(text, font).Width > stamp.Width)
                {
                    size *= 0.9;
                    font = Font(size);
                }
                g.DrawString(text, font, XBrushes.Black, new XRect(0, 0, stamp.Width, stamp.Height), XStringFormats.CenterLeft);
            }
            else
            {
                // A PNG written here from decoded pixels (PngImage.ToPng), never the bytes someone uploaded: PDFsharp's own
                // decoder only ever sees canonical 8-bit RGB or RGBA.
                using var ms = new MemoryStream(stamp.Image!.ToPng(), writable: false);
                using var image = XImage.FromStream(ms);
                // Keep the aspect ratio, centred in the rectangle.
                var scale = Math.Min(stamp.Width / image.PointWidth, stamp.Height / image.PointHeight);
                var w = image.PointWidth * scale;
                var h = image.PointHeight * scale;
                g.DrawImage(image, (stamp.Width - w) / 2, (stamp.Height - h) / 2, w, h);
            }
        }
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }
}
