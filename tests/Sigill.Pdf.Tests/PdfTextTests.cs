using System.Globalization;
using System.Text;
using Sigill.Hostile;
using Xunit.Abstractions;
using static Sigill.Pdf.Tests.PdfInspectorTests;

namespace Sigill.Pdf.Tests;

/// <summary>Sigill's text extraction (for the card-number scan): what it reads, where it says it found it, and what it costs.</summary>
[Collection(nameof(HostilePdfCostTests))]
public sealed class PdfTextTests(ITestOutputHelper output)
{
    private static List<PdfTextChunk> Read(byte[] pdf, PdfLimits? limits = null)
    {
        var chunks = new List<PdfTextChunk>();
        PdfText.Read(pdf, limits, chunk =>
        {
            chunks.Add(chunk);
            return true;
        });
        return chunks;
    }

    private static string PageText(List<PdfTextChunk> chunks, int page) => string.Concat(chunks.Where(c => c.Page == page).Select(c => c.Text));

    /// <summary>A classic PDF: pages whose contents are the given operators, with /F1 a WinAnsi Helvetica and /F2 a font with a ToUnicode map.</summary>
    private static byte[] Classic(params string[] pages)
    {
        const string CMap = "/CIDInit /ProcSet findresource begin 12 dict begin begincmap 1 begincodespacerange <00> <FF> endcodespacerange " +
            "2 beginbfchar <01> <0034> <02> <0032> endbfchar 1 beginbfrange <10> <19> <0030> endbfrange endcmap end end";
        var objects = new List<string>
        {
            "<</Type/Catalog/Pages 2 0 R>>",
            $"<</Type/Pages/Kids[{string.Join(' ', pages.Select((_, i) => $"{6 + 2 * i} 0 R"))}]/Count {pages.Length}/Resources<</Font<</F1 3 0 R/F2 4 0 R>>>>>>",
            "<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
            "<</Type/Font/Subtype/Type1/BaseFont/Custom/ToUnicode 5 0 R>>",
            $"<</Length {CMap.Length}>>\nstream\n{CMap}\nendstream",
        };
        for (var i = 0; i < pages.Length; i++)
        {
            objects.Add($"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents {7 + 2 * i} 0 R>>");
            objects.Add($"<</Length {Encoding.Latin1.GetByteCount(pages[i])}>>\nstream\n{pages[i]}\nendstream");
        }
        return MinimalPdf([.. objects]);
    }

    [Fact]
    public void A_rendered_pdf_reads_through_its_fonts_tounicode_maps_page_by_page()
    {
        var pdf = DocumentRenderer.Render(new DocumentModel("Agreement",
            [new Paragraph("Card 4242 4242 4242 4242 paid, Ärlig Öl"), new PageBreak(), new Paragraph("Second page: 378282246310005")])).Bytes;
        var chunks = Read(pdf);
        Assert.Contains("Card 4242 4242 4242 4242 paid, Ärlig Öl", PageText(chunks, 1), StringComparison.Ordinal);
        Assert.Contains("Second page: 378282246310005", PageText(chunks, 2), StringComparison.Ordinal);
        Assert.DoesNotContain("378282246310005", PageText(chunks, 1), StringComparison.Ordinal);
        Assert.Contains("Agreement", PageText(chunks, 0), StringComparison.Ordinal); // the document information's /Title
    }

    [Fact]
    public void Every_text_operator_is_read_with_escapes_hex_strings_and_spacing()
    {
        var chunks = Read(Classic(
            "BT /F1 12 Tf 72 720 Td (Visa \\(test\\): ) Tj <34323432> Tj [(42)-20(42) -400 (4242)] TJ T* (next line) ' 1 2 (quoted) \" ET " +
            "BT (\\064\\062) Tj ET"));
        Assert.Equal("Visa (test): 4242 4242 4242 next line quoted\n42\n", PageText(chunks, 1));
    }

    [Fact]
    public void A_tounicode_map_decodes_its_codes_and_glyphs_shown_one_by_one_read_as_one_word()
    {
        // /F2 maps 01 → '4', 02 → '2', 10–19 → '0'–'9'. Each glyph shown by itself, as some writers place them.
        var glyphs = string.Concat("4242424242424242".Select(c => $"<{(c == '4' ? "01" : "02")}> Tj 5 0 Td "));
        var chunks = Read(Classic($"BT /F2 10 Tf {glyphs} ET BT /F2 10 Tf <1112131415> Tj ET"));
        Assert.Equal("4242424242424242\n12345\n", PageText(chunks, 1));
    }

    [Fact]
    public void A_form_drawn_on_two_pages_is_read_once_for_the_first_and_inline_image_data_is_skipped()
    {
        const string Form = "BT /F1 9 Tf (In the form) Tj ET";
        const string Page = "q /Fm1 Do Q BI /W 4 /H 1 /BPC 8 /CS /G ID \u0001(Not text) Tj\u0002 EI BT /F1 9 Tf (After the image) Tj ET";
        var pdf = MinimalPdf(
            "<</Type/Catalog/Pages 2 0 R>>",
            "<</Type/Pages/Kids[3 0 R 4 0 R]/Count 2>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 5 0 R/Resources 7 0 R>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 6 0 R/Resources 7 0 R>>",
            $"<</Length {Page.Length}>>\nstream\n{Page}\nendstream",
            $"<</Length {Page.Length}>>\nstream\n{Page}\nendstream",
            "<</Font<</F1 9 0 R>>/XObject<</Fm1 8 0 R>>>>",
            $"<</Type/XObject/Subtype/Form/BBox[0 0 100 100]/Length {Form.Length}>>\nstream\n{Form}\nendstream",
            "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>");
        var chunks = Read(pdf);
        Assert.Equal("In the form\nAfter the image\n", PageText(chunks, 1));
        Assert.Equal("After the image\n", PageText(chunks, 2));
    }

    [Fact]
    public void Compressed_content_annotation_appearances_and_form_field_values_are_read()
    {
        var content = PdfBytes.Deflate(Encoding.ASCII.GetBytes("BT /F1 9 Tf (Compressed page text) Tj ET"));
        const string Appearance = "BT /F1 9 Tf (Stamp text) Tj ET";
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[6 0 R]>>>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Annots[5 0 R 6 0 R]/Resources<</Font<</F1 8 0 R>>>>>>", 3);
        p.Stream("/Filter/FlateDecode", content, 4);
        p.Object("<</Type/Annot/Subtype/Stamp/Rect[0 0 10 10]/AP<</N 7 0 R>>/Contents(A note)>>", 5);
        p.Object("<</Type/Annot/Subtype/Widget/FT/Tx/T(card)/V(Field value)/Rect[0 0 10 10]>>", 6);
        p.Stream("/Type/XObject/Subtype/Form/BBox[0 0 10 10]", Encoding.ASCII.GetBytes(Appearance), 7);
        p.Object("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>", 8);
        var chunks = Read(p.Finish(1));
        Assert.Equal("Compressed page text\nStamp text\n", PageText(chunks, 1));
        var outside = PageText(chunks, 0);
        Assert.Contains("A note\n", outside, StringComparison.Ordinal);
        Assert.Contains("Field value\n", outside, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_stops_when_the_visitor_has_seen_enough()
    {
        var calls = 0;
        PdfText.Read(Classic("BT (one) Tj ET", "BT (two) Tj ET", "BT (three) Tj ET"), null, _ => ++calls < 2);
        Assert.Equal(2, calls);
    }

    [Fact]
    public void A_damaged_content_stream_ends_its_own_text_not_the_reading()
    {
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R 4 0 R]/Count 2>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 5 0 R>>", 3);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 6 0 R>>", 4);
        // Hex data that turns invalid after some 150 KB: what decoded before the damage is read (up to the reader's last
        // full buffer of 64 KiB), the rest of the stream is not.
        var valid = Convert.ToHexString(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("BT (Before the damage) Tj ET\n", 5000))));
        p.Stream("/Filter/ASCIIHexDecode", Encoding.ASCII.GetBytes(valid + "zz" + Convert.ToHexString("BT (Never read) Tj ET"u8) + ">"), 5);
        p.Stream("", Encoding.ASCII.GetBytes("BT (Page two) Tj ET"), 6);
        var chunks = Read(p.Finish(1));
        Assert.StartsWith("Before the damage\nBefore the damage\n", PageText(chunks, 1), StringComparison.Ordinal);
        Assert.DoesNotContain("Never read", PageText(chunks, 1), StringComparison.Ordinal);
        Assert.Equal("Page two\n", PageText(chunks, 2));
    }

    [Fact]
    public void A_tounicode_map_that_multiplies_text_is_too_complex_past_64_million_characters()
    {
        // Every byte A becomes eight characters: 16 MB of shown bytes would be 128 million characters.
        const string CMap = "begincmap 1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <41> <00780078007800780078007800780078> endbfchar endcmap";
        var line = "(" + new string('A', 65_000) + ") Tj\n";
        var content = PdfBytes.Deflate(Encoding.ASCII.GetBytes("BT /F1 9 Tf\n" + string.Concat(Enumerable.Repeat(line, 256)) + "ET"));
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>", 3);
        p.Stream("/Filter/FlateDecode", content, 4);
        p.Object("<</Type/Font/Subtype/Type1/BaseFont/Custom/ToUnicode 6 0 R>>", 5);
        p.Stream("", Encoding.ASCII.GetBytes(CMap), 6);
        var pdf = p.Finish(1);
        var (elapsed, growth, _, outcome) = HostilePdfCostTests.Measure(() => Read(pdf));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalMilliseconds:0} ms, {growth / 1048576.0:0.0} MB heap: {outcome}"));
        Assert.StartsWith("pdf_too_complex", outcome, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"{elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public void Reading_the_text_of_any_hostile_pdf_refuses_it_or_reads_it_in_under_two_seconds_and_100_MB()
    {
        var failures = new List<string>();
        foreach (var hostile in HostileCorpus.Pdfs())
        {
            var payload = hostile.Payload();
            var (elapsed, growth, _, outcome) = HostilePdfCostTests.Measure(() => Read(payload));
            var row = string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalMilliseconds,7:0} ms {growth / 1048576.0,7:0.0} MB  {hostile.Name}: {outcome}");
            output.WriteLine(row);
            if (elapsed > TimeSpan.FromSeconds(2) || growth > 100L * 1024 * 1024) failures.Add(row);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
