using System.Globalization;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.Inspection;

/// <summary>
/// Walks the page tree from the catalog and refuses what no page can be (ISO 32000-1 §7.7.3): a node
/// reached twice (a cycle or a shared page), a /Parent that is not the node listing the page (a viewer
/// that inherits through /Parent would then see other boxes than Sigill), a /Count that disagrees with
/// the pages below it, more pages than allowed, and boxes no page can have. Sizes are the MediaBox's,
/// as the signer places fields; a page without one is US Letter, as viewers assume.
/// </summary>
internal static class PageTree
{
    /// <summary>Smallest and largest page side in points (ISO 32000-1 Annex C: 3 to 14,400 units).</summary>
    public const double MinSide = 3, MaxSide = 14_400;

    /// <summary>Farthest a box corner may lie from the origin, in points.</summary>
    public const double MaxCoordinate = 1_000_000;

    private const int MaxDepth = 64;

    private sealed record Inherited(object? MediaBox, object? CropBox, object? Rotate);

    private readonly record struct Rect(double Llx, double Lly, double Urx, double Ury);

    public static List<PageSize> Read(PdfFile file, int maxPages)
    {
        if (file.Catalog.Get("Pages") is not PdfRef root) throw new PdfFormatException("the catalog has no page tree");
        var pages = new List<PageSize>();
        var seen = new HashSet<int>();
        var maxNodes = 2 * maxPages + MaxDepth;
        Walk(root, null, new Inherited(null, null, null), 0);
        if (pages.Count == 0) throw new PdfFormatException("the PDF has no pages");
        return pages;

        long Walk(PdfRef node, PdfRef? parent, Inherited inherited, int depth)
        {
            if (depth > MaxDepth) throw new PdfFormatException($"the page tree is deeper than {MaxDepth} levels");
            if (!seen.Add(node.Number)) throw new PdfFormatException($"the page tree reaches object {node.Number} twice");
            if (seen.Count > maxNodes)
            {
                throw PdfRejectedException.TooComplex($"The PDF's page tree has more than {maxNodes} nodes for at most {maxPages} pages.");
            }
            var dict = file.ResolveDict(node) ?? throw new PdfFormatException($"page tree node {node.Number} is missing");
            if (parent is { } p && (dict.Get("Parent") is not PdfRef up || up.Number != p.Number))
            {
                throw new PdfFormatException($"the /Parent of object {node.Number} is not the node that lists it");
            }
            inherited = new Inherited(
                dict.Get("MediaBox") ?? inherited.MediaBox,
                dict.Get("CropBox") ?? inherited.CropBox,
                dict.Get("Rotate") ?? inherited.Rotate);
            if (dict.GetName("Type") == "Pages" || dict.ContainsKey("Kids"))
            {
                if (file.Resolve(dict.Get("Kids")) is not PdfArray kids) throw new PdfFormatException($"page tree node {node.Number} has no /Kids");
                long below = 0;
                foreach (var kid in kids)
                {
                    if (kid is not PdfRef k) throw new PdfFormatException($"page tree node {node.Number} lists something that is not a reference");
                    below += Walk(k, node, inherited, depth + 1);
                }
                if (file.Resolve(dict.Get("Count")) is not PdfNumber count) throw new PdfFormatException($"page tree node {node.Number} has no /Count");
                if (count.AsDouble() != below)
                {
                    throw new PdfFormatException($"page tree node {node.Number} says /Count {Shown(count)} but holds {below} pages");
                }
                return below;
            }
            if (pages.Count == maxPages)
            {
                throw new PdfRejectedException(PdfErrorCodes.TooLarge, $"The PDF has more than {maxPages} pages; at most {maxPages} are accepted.");
            }
            pages.Add(Page(file, inherited, pages.Count + 1));
            return 1;
        }
    }

    private static PageSize Page(PdfFile file, Inherited inherited, int number)
    {
        var media = inherited.MediaBox is null ? new Rect(0, 0, 612, 792) : Box(file, inherited.MediaBox, "MediaBox", number);
        if (inherited.CropBox is not null)
        {
            var crop = Box(file, inherited.CropBox, "CropBox", number);
            var visibleWidth = Math.Min(media.Urx, crop.Urx) - Math.Max(media.Llx, crop.Llx);
            var visibleHeight = Math.Min(media.Ury, crop.Ury) - Math.Max(media.Lly, crop.Lly);
            if (visibleWidth < MinSide || visibleHeight < MinSide)
            {
                throw new PdfFormatException($"page {number}'s CropBox leaves less than {MinSide} × {MinSide} points of its MediaBox visible");
            }
        }
        if (inherited.Rotate is not null)
        {
            var rotate = file.Resolve(inherited.Rotate) as PdfNumber ?? throw new PdfFormatException($"page {number}'s /Rotate is not a number");
            if (rotate.AsDouble() % 90 != 0) throw new PdfFormatException($"page {number}'s /Rotate {Shown(rotate)} is not a multiple of 90");
        }
        return new PageSize(media.Urx - media.Llx, media.Ury - media.Lly);
    }

    /// <summary>A rectangle [llx lly urx ury] with the lower-left corner first and sides a page can have.</summary>
    private static Rect Box(PdfFile file, object value, string name, int page)
    {
        if (file.Resolve(value) is not PdfArray { Count: 4 } array) throw new PdfFormatException($"page {page}'s {name} is not four numbers");
        var v = new double[4];
        for (var i = 0; i < 4; i++)
        {
            v[i] = file.Resolve(array[i]) is PdfNumber n ? n.AsDouble() : throw new PdfFormatException($"page {page}'s {name} is not four numbers");
            if (Math.Abs(v[i]) > MaxCoordinate) throw new PdfFormatException($"page {page}'s {name} lies more than {MaxCoordinate:0} points from the origin");
        }
        var (width, height) = (v[2] - v[0], v[3] - v[1]);
        if (width < MinSide || height < MinSide || width > MaxSide || height > MaxSide)
        {
            throw new PdfFormatException(string.Create(CultureInfo.InvariantCulture,
                $"page {page}'s {name} is {width:0.##} × {height:0.##} points; a page is {MinSide} to {MaxSide} points wide and high, lower-left corner first"));
        }
        return new Rect(v[0], v[1], v[2], v[3]);
    }

    private static string Shown(PdfNumber n) => n.Raw.Length > 20 ? n.Raw[..20] + "…" : n.Raw;
}
