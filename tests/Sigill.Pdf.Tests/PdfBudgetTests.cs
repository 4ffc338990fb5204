using Sigill.Hostile;

namespace Sigill.Pdf.Tests;

/// <summary>The decode budget: configurable, counted across every stream, and roomy enough for real documents.</summary>
public sealed class PdfBudgetTests
{
    private const long MiB = 1024 * 1024;

    /// <summary>One page whose content is the given streams of zero bytes (zero is white space in content).</summary>
    private static byte[] PageWithStreams(params long[] sizes)
    {
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        var refs = string.Join(" ", sizes.Select((_, i) => $"{10 + i} 0 R"));
        p.Object($"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents[{refs}]>>", 3);
        for (var i = 0; i < sizes.Length; i++) p.Stream("/Filter/FlateDecode", PdfBytes.DeflateZeros(sizes[i]), 10 + i);
        return p.Finish(1);
    }

    private static string Refused(byte[] pdf, PdfLimits limits)
    {
        var ex = Assert.Throws<PdfRejectedException>(() => PdfInspector.Inspect(pdf, limits));
        Assert.Equal(PdfErrorCodes.TooComplex, ex.Code);
        return ex.Message;
    }

    [Fact]
    public void The_default_limits_are_1_GiB_in_all_100_times_the_file_and_64_MiB_per_stream()
    {
        Assert.Equal(1024 * MiB, PdfLimits.Default.MaxDecodedBytes);
        Assert.Equal(100, PdfLimits.Default.MaxDecodeRatio);
        Assert.Equal(64 * MiB, PdfLimits.Default.MaxStreamDecodedBytes);
    }

    [Fact]
    public void Each_limit_is_configurable_and_named_when_it_refuses()
    {
        var pdf = PageWithStreams(3 * MiB, 3 * MiB, 3 * MiB);
        Assert.Equal(1, PdfInspector.Inspect(pdf).PageCount);
        Assert.Contains("more than 2 MiB, the limit for one stream", Refused(pdf, new PdfLimits { MaxStreamDecodedBytes = 2 * MiB }), StringComparison.Ordinal);
        Assert.Contains("more than 8 MiB, the limit for one document",
            Refused(pdf, new PdfLimits { MaxDecodedBytes = 8 * MiB, MaxStreamDecodedBytes = 4 * MiB, MaxDecodeRatio = 100_000 }), StringComparison.Ordinal);
        // A file of a few kilobytes may decode one stream's worth (4 MiB here), not 100 times its size.
        Assert.Contains("at most 100 times the file's size", Refused(pdf, new PdfLimits { MaxStreamDecodedBytes = 4 * MiB }), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_stream_counts_whether_the_page_uses_it_or_not()
    {
        var used = PageWithStreams(40 * MiB);
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>", 3);
        p.Stream("/Filter/FlateDecode", PdfBytes.DeflateZeros(40 * MiB), 5, listed: false);
        p.Stream("/Filter/FlateDecode", PdfBytes.DeflateZeros(40 * MiB), 6);
        var unused = p.Finish(1);
        var limits = new PdfLimits { MaxDecodedBytes = 64 * MiB };
        Assert.Equal(1, PdfInspector.Inspect(used, limits).PageCount);
        Refused(unused, limits);
    }

    [Fact]
    public void A_scanned_page_sized_image_and_a_large_content_stream_are_accepted()
    {
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</XObject<</Scan 5 0 R/Gray 6 0 R>>>>>>", 3);
        p.Stream("/Filter/FlateDecode", PdfBytes.DeflateZeros(48 * MiB), 4);
        // A 300 dpi A4 colour scan as JPEG (its frame header only) and as an 8-bit grey Flate image.
        p.Stream("/Type/XObject/Subtype/Image/Width 2480/Height 3508/ColorSpace/DeviceRGB/BitsPerComponent 8/Filter/DCTDecode",
            [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x0D, 0xB4, 0x09, 0xB0, 0x03, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 0xFF, 0xD9], 5);
        p.Stream("/Type/XObject/Subtype/Image/Width 2480/Height 3508/ColorSpace/DeviceGray/BitsPerComponent 8/Filter/FlateDecode",
            PdfBytes.DeflateZeros(2480 * 3508), 6);
        Assert.Equal(1, PdfInspector.Inspect(p.Finish(1)).PageCount);
    }
}
