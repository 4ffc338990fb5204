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
    public void Discount_and_tax_are_summary_rows_under_the_subtotal_not_priced_lines()
    {
        var table = new PricingTable([new PricingRow("Licence", 3, 19.99m), new PricingRow("Setup", 1, 0.10m)], "EUR") { Discount = 6.00m, Tax = 13.51m };
        Assert.Equal(60.07m, table.Subtotal);
        Assert.Equal(67.58m, table.Total);
        Assert.Equal(["Licence 3 19.99 EUR 59.97 EUR", "Setup 1 0.10 EUR 0.10 EUR", "Subtotal 60.07 EUR", "Discount -6.00 EUR", "Tax 13.51 EUR", "Total 67.58 EUR"],
            TableRows(table));

        // Without a discount or tax there is nothing between the lines and the total.
        Assert.Equal(["Setup 2 5.00 EUR 10.00 EUR", "Total 10.00 EUR"], TableRows(new PricingTable([new PricingRow("Setup", 2, 5m)], "EUR")));
    }

    /// <summary>The rendered table's rows from "Description" on, each as its words left to right (the header row left out).</summary>
    private static List<string> TableRows(PricingTable table)
    {
        using var doc = PdfDocument.Open(DocumentRenderer.Render(new DocumentModel("T", [table])).Bytes);
        return [.. doc.GetPage(1).GetWords().GroupBy(w => Math.Round(w.BoundingBox.Bottom)).OrderByDescending(g => g.Key)
            .Select(g => string.Join(" ", g.OrderBy(w => w.BoundingBox.Left).Select(w => w.Text)))
            .SkipWhile(r => !r.StartsWith("Description", StringComparison.Ordinal)).Skip(1)];
    }

    [Fact]
    public void Signature_lines_are_reported_where_they_are_drawn_two_side_by_side_then_below_and_onto_the_next_page()
    {
        var rendered = DocumentRenderer.Render(new DocumentModel("Agreement", [
            new Paragraph("Signed by both parties."), Line(1), Line(2), Line(3),
            new Paragraph(string.Concat(Enumerable.Repeat("filler ", 700))), Line(1)]));
        var spots = rendered.Fields;
        Assert.Equal([1, 2, 3, 1], spots.Select(s => s.Signer));
        var (a, b, c, again) = (spots[0], spots[1], spots[2], spots[3]);
        Assert.All(spots, s => Assert.Equal((FieldLine.Signature, 200.0, 50.0), (s.Kind, s.Width, s.Height)));
        Assert.Equal((1, 1), (a.Page, b.Page));
        Assert.Equal(a.Y, b.Y); // side by side
        Assert.True(b.X >= a.X + a.Width, "the second line is to the right of the first");
        Assert.True(b.X + b.Width <= rendered.Pages[0].Width, "and on the page");
        Assert.Equal(a.X, c.X); // no room for a third: below
        Assert.True(c.Y >= a.Y + a.Height);
        Assert.True(again.Page > 1 && again.Page <= rendered.PageCount, $"the last line follows the filler onto a later page, not page {again.Page}");
        Assert.All(spots, s => Assert.True(s.Y >= 0 && s.Y + s.Height <= rendered.Pages[s.Page - 1].Height, $"signer {s.Signer}'s line is inside its page"));

        // The text above the first line ends above it.
        using var doc = PdfDocument.Open(rendered.Bytes);
        var words = doc.GetPage(1).GetWords().Where(w => w.Text == "parties.").ToList();
        var page = rendered.Pages[0];
        Assert.True(page.Height - Assert.Single(words).BoundingBox.Bottom <= a.Y, "the paragraph is above the signature line");
        Tools.AssertQpdfClean(rendered.Bytes);
    }

    private static FieldLine Line(int signer, string kind = FieldLine.Signature) => new(signer, kind);

    [Fact]
    public void A_signature_name_and_date_line_share_one_rule_and_a_taller_line_starts_a_new_row()
    {
        var rendered = DocumentRenderer.Render(new DocumentModel("Agreement", [
            Line(1), Line(1, FieldLine.Name), Line(1, FieldLine.DateSigned), // 200 + 24 + 200 + 24 + 120 = 568 > 482 points of text width: the date wraps
            new Paragraph("Then:"), Line(2, FieldLine.Name), Line(2, FieldLine.Initials), Line(2, FieldLine.DateSigned)]));
        var (signature, name, date, name2, initials2, date2) = (rendered.Fields[0], rendered.Fields[1], rendered.Fields[2], rendered.Fields[3], rendered.Fields[4], rendered.Fields[5]);
        Assert.Equal([(1, "signature"), (1, "name"), (1, "date_signed"), (2, "name"), (2, "initials"), (2, "date_signed")], rendered.Fields.Select(f => (f.Signer, f.Kind)));
        Assert.Equal((200.0, 24.0), (name.Width, name.Height));
        Assert.Equal((120.0, 24.0), (date.Width, date.Height));
        Assert.Equal(signature.Y + signature.Height, name.Y + name.Height); // one rule: the name sits on the signature's line
        Assert.True(name.X >= signature.X + signature.Width);
        Assert.True(date.Y >= signature.Y + signature.Height, "no room left on the row: the date goes below");
        Assert.Equal(signature.X, date.X);
        Assert.True(initials2.Y >= name2.Y + name2.Height, "initials (40 pt) are taller than the name row (24 pt): a new row");
        Assert.Equal(initials2.Y + initials2.Height, date2.Y + date2.Height); // the date beside the initials, on their rule
        Assert.All(rendered.Fields, f => Assert.True(f.X + f.Width <= rendered.Pages[0].Width - 56, $"{f.Kind} of {f.Signer} inside the margin"));
        Tools.AssertQpdfClean(rendered.Bytes);
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
