using System.Globalization;
using System.Text;

namespace Sigill.Pdf.Tests;

public sealed class PdfInspectorTests
{
    /// <summary>Builds a small classic PDF from object bodies (object N is objects[N-1]) with a correct xref.</summary>
    internal static byte[] MinimalPdf(params string[] objects)
    {
        var sb = new StringBuilder("%PDF-1.7\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(Encoding.Latin1.GetByteCount(sb.ToString()));
            sb.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = Encoding.Latin1.GetByteCount(sb.ToString());
        sb.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var o in offsets) sb.Append(CultureInfo.InvariantCulture, $"{o:D10} 00000 n \n");
        sb.Append(CultureInfo.InvariantCulture, $"trailer\n<</Size {objects.Length + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.Latin1.GetBytes(sb.ToString());
    }

    private static byte[] WithOpenActionJavaScript() => MinimalPdf(
        "<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
        "<</S/JavaScript/JS(app.alert\\('hi'\\))>>");

    private static PdfRejectedException Rejected(byte[] pdf, PdfLimits? limits = null) =>
        Assert.Throws<PdfRejectedException>(() => PdfInspector.Inspect(pdf, limits));

    [Fact]
    public void A_rendered_pdf_is_accepted_with_its_page_count_and_sizes()
    {
        var rendered = DocumentRenderer.Render(Samples.Document(3));
        var inspection = PdfInspector.Inspect(rendered.Bytes);
        Assert.Equal(3, inspection.PageCount);
        Assert.Equal(595.28, inspection.Pages[0].Width, 1);
        Assert.Equal(841.89, inspection.Pages[0].Height, 1);
        Assert.False(inspection.HasSignatures);
    }

    [Fact]
    public void A_hand_written_pdf_without_active_content_is_accepted()
    {
        var pdf = MinimalPdf("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>", "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>");
        Assert.Equal(1, PdfInspector.Inspect(pdf).PageCount);
    }

    [Fact]
    public void An_encrypted_pdf_is_rejected_as_pdf_encrypted()
    {
        var encrypted = Tools.Qpdf(DocumentRenderer.Render(Samples.Document(1)).Bytes, "--encrypt", "u", "o", "256", "--");
        Assert.Equal(PdfErrorCodes.Encrypted, Rejected(encrypted).Code);
    }

    [Fact]
    public void A_pdf_with_an_open_action_script_is_rejected_as_active_content()
    {
        Assert.Equal(PdfErrorCodes.ActiveContent, Rejected(WithOpenActionJavaScript()).Code);
    }

    [Fact]
    public void JavaScript_hidden_in_a_compressed_object_stream_is_still_found()
    {
        var compressed = Tools.Qpdf(WithOpenActionJavaScript(), "--object-streams=generate", "--compress-streams=y");
        Assert.True(compressed.AsSpan().IndexOf("/JavaScript"u8) < 0, "the script should be inside a compressed object stream");
        Assert.Equal(PdfErrorCodes.ActiveContent, Rejected(compressed).Code);
    }

    [Fact]
    public void A_document_level_names_tree_script_is_rejected()
    {
        var pdf = MinimalPdf(
            "<</Type/Catalog/Pages 2 0 R/Names<</JavaScript 4 0 R>>>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
            "<</Names[(a) 5 0 R]>>",
            "<</S/JavaScript/JS(1)>>");
        Assert.Equal(PdfErrorCodes.ActiveContent, Rejected(pdf).Code);
    }

    [Fact]
    public void A_page_with_additional_actions_is_rejected()
    {
        var pdf = MinimalPdf(
            "<</Type/Catalog/Pages 2 0 R>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/A#41<</O<</S/URI/URI(https://example.com)>>>>>>");
        Assert.Equal(PdfErrorCodes.ActiveContent, Rejected(pdf).Code);
    }

    [Fact]
    public void A_file_over_the_size_limit_is_rejected_as_pdf_too_large()
    {
        var pdf = DocumentRenderer.Render(Samples.Document(1)).Bytes;
        var ex = Rejected(pdf, new PdfLimits { MaxBytes = pdf.Length - 1 });
        Assert.Equal(PdfErrorCodes.TooLarge, ex.Code);
        using var stream = new MemoryStream(pdf);
        Assert.Equal(PdfErrorCodes.TooLarge,
            Assert.Throws<PdfRejectedException>(() => PdfInspector.Inspect(stream, new PdfLimits { MaxBytes = 1000 })).Code);
    }

    [Fact]
    public void The_default_size_limit_is_50_megabytes()
    {
        Assert.Equal(50L * 1024 * 1024, PdfLimits.Default.MaxBytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello, this is not a pdf")]
    [InlineData("%PDF-1.7\n1 0 obj <</Type/Catalog>> endobj\nstartxref\n999999\n%%EOF")]
    public void Garbage_is_rejected_as_pdf_malformed(string content)
    {
        Assert.Equal(PdfErrorCodes.Malformed, Rejected(Encoding.ASCII.GetBytes(content)).Code);
    }

    [Fact]
    public void A_truncated_pdf_is_rejected_as_pdf_malformed()
    {
        var pdf = DocumentRenderer.Render(Samples.Document(1)).Bytes;
        Assert.Equal(PdfErrorCodes.Malformed, Rejected(pdf[..(pdf.Length / 2)]).Code);
    }

    [Fact]
    public void The_rejection_names_what_was_found()
    {
        var ex = Rejected(WithOpenActionJavaScript());
        Assert.Matches(@"active content, which is not accepted: .*/S /JavaScript\) in object [14]\.", ex.Message);
    }

    [Fact]
    public void Plain_links_destinations_a_go_to_open_action_and_keys_that_only_look_active_are_kept()
    {
        var pdf = MinimalPdf(
            "<</Type/Catalog/Pages 2 0 R/OpenAction[3 0 R/Fit]/Outlines 5 0 R>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Annots[4 0 R]/Resources<</Font<</JS 6 0 R/AA 6 0 R>>>>"
                + "/VP[<</Type/Viewport/BBox[0 0 612 792]/Measure<</Type/Measure/Subtype/RL/R(1 in = 1 mi)/X[<</U(mi)/C 1/PS( )>>]/A[<</U(sq mi)/C 1>>]>>>>]>>",
            "<</Type/Annot/Subtype/Link/Rect[0 0 100 20]/A<</S/URI/URI(https://example.com/terms)/Next<</S/GoTo/D[3 0 R/Fit]>>>>>>",
            "<</Type/Outlines/First 7 0 R/Last 7 0 R/Count 1>>",
            "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
            "<</Title(Terms)/Parent 5 0 R/A<</S/GoTo/D[3 0 R/XYZ 0 792 0]>>>>",
            "<</S/URI/URI(mailto:legal@example.com)>>");
        Assert.Equal(1, PdfInspector.Inspect(pdf).PageCount);
    }

    [Fact]
    public void Random_bytes_never_escape_as_anything_but_a_rejection()
    {
#pragma warning disable SCS0005 // a seeded generator keeps this damage test reproducible; nothing secret is drawn
        var random = new Random(42);
        var pdf = DocumentRenderer.Render(Samples.Document(1)).Bytes;
        for (var i = 0; i < 50; i++)
        {
            var damaged = (byte[])pdf.Clone();
            for (var k = 0; k < 20; k++) damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
#pragma warning restore SCS0005
            try
            {
                PdfInspector.Inspect(damaged);
            }
            catch (PdfRejectedException)
            {
            }
        }
    }
}
