using UglyToad.PdfPig;

namespace Sigill.Pdf.Tests;

public sealed class DocumentRendererTests
{
    [Fact]
    public void Swedish_german_and_euro_characters_survive_into_extracted_text()
    {
        var rendered = DocumentRenderer.Render(Samples.Document(1));
        using var doc = PdfDocument.Open(rendered.Bytes);
        var text = doc.GetPage(1).Text;
        foreach (var s in new[] { "å", "ä", "ö", "ß", "€", "Översikt", "Straße" })
        {
            Assert.Contains(s, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Pricing_amounts_use_decimal_arithmetic()
    {
        var table = new PricingTable([new PricingRow("a", 3, 0.1m), new PricingRow("b", 1, 0.2m)], "SEK");
        Assert.Equal(0.5m, table.Total);
        using var doc = PdfDocument.Open(DocumentRenderer.Render(new DocumentModel("T", [table])).Bytes);
        Assert.Contains("0.50 SEK", doc.GetPage(1).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_breaks_and_long_text_produce_the_expected_pages_and_sizes()
    {
        var longText = string.Concat(Enumerable.Repeat("word ", 3000));
        var rendered = DocumentRenderer.Render(new DocumentModel("Long", [new Paragraph(longText), new PageBreak(), new Paragraph("end")]));
        Assert.True(rendered.PageCount >= 3);
        Assert.All(rendered.Pages, p => Assert.Equal(new PageSize(595.28, 841.89), new PageSize(Math.Round(p.Width, 2), Math.Round(p.Height, 2))));
        using var doc = PdfDocument.Open(rendered.Bytes);
        Assert.Equal(rendered.PageCount, doc.NumberOfPages);
        Tools.AssertQpdfClean(rendered.Bytes);
    }
}
