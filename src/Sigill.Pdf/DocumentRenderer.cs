using System.Globalization;
using PdfSharp.Drawing;
using Sigill.Pdf.Rendering;

namespace Sigill.Pdf;

/// <summary>Renders a <see cref="DocumentModel"/> to PDF with the fonts shipped in this assembly.</summary>
public static class DocumentRenderer
{
    public static RenderedPdf Render(DocumentModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var document = PageWriter.NewDocument(compress: false);
        var fields = new List<FieldSpot>();
        document.Info.Title = model.Title;
        document.Info.Creator = "Sigill";
        using (var w = new PageWriter(document, model.PageWidth, model.PageHeight, model.Margin))
        {
            w.Text(model.Title, PageWriter.Font(20, bold: true), spacingAfter: 10);
            var body = PageWriter.Font(11);
            FieldSpot? row = null; // the first field line of the row being drawn, while lines follow one another
            var rowRight = 0.0; // where the row's last field ends
            foreach (var block in model.Blocks)
            {
                if (block is not FieldLine) row = null;
                switch (block)
                {
                    case Heading h:
                        w.Reserve(h.Level <= 1 ? 40 : 30);
                        w.Space(6);
                        w.Text(h.Text, PageWriter.Font(h.Level switch { <= 1 => 16, 2 => 13.5, _ => 12 }, bold: true), spacingAfter: 4);
                        break;
                    case Paragraph p:
                        w.Text(p.Text, body, spacingAfter: 6);
                        break;
                    case PageBreak:
                        w.NewPage();
                        break;
                    case PricingTable t:
                        RenderTable(w, t);
                        break;
                    case FieldLine f:
                        (row, rowRight) = RenderFieldLine(w, document, f, row, rowRight, fields);
                        break;
                    default:
                        throw new ArgumentException($"unknown block {block.GetType().Name}", nameof(model));
                }
            }
            _ = w.Graphics; // a document always has at least one page
        }
        using var ms = new MemoryStream();
        document.Save(ms, closeStream: false);
        var pages = document.Pages.Cast<PdfSharp.Pdf.PdfPage>()
            .Select(p => new PageSize(p.Width.Point, p.Height.Point)).ToList();
        return new RenderedPdf(ms.ToArray(), pages) { Fields = fields };
    }

    /// <summary>
    /// A field line: the rule the field will sit on, with the field's room above it. Beside the row's previous line when
    /// it fits to the right and is no taller than the row (its rule on the row's rule, so a signature, a name and a date
    /// line up), else a new row below. Returns the row and where it now ends.
    /// </summary>
    private static (FieldSpot Row, double Right) RenderFieldLine(PageWriter w, PdfSharp.Pdf.PdfDocument document, FieldLine line, FieldSpot? row, double rowRight,
        List<FieldSpot> fields)
    {
        const double gap = 24, below = 14;
        FieldSpot spot;
        if (row is not null && line.Height <= row.Height && rowRight + gap + line.Width <= w.Left + w.ContentWidth)
        {
            spot = new FieldSpot(line.Signer, line.Kind, row.Page, rowRight + gap, row.Y + row.Height - line.Height, line.Width, line.Height);
        }
        else
        {
            w.Reserve(line.Height + below);
            w.Space(6);
            spot = new FieldSpot(line.Signer, line.Kind, document.PageCount, w.Left, w.Y, line.Width, line.Height);
            w.Space(line.Height + below);
            row = spot;
        }
        w.Graphics.DrawLine(XPens.Gray, spot.X, spot.Y + spot.Height, spot.X + spot.Width, spot.Y + spot.Height);
        fields.Add(spot);
        return (row, spot.X + spot.Width);
    }

    private static void RenderTable(PageWriter w, PricingTable table)
    {
        var width = w.ContentWidth;
        var head = PageWriter.Font(10.5, bold: true);
        var cell = PageWriter.Font(10.5);
        (string, double, double, bool)[] Cells(string a, string b, string c, string d) =>
        [
            (a, 0, width * 0.52, false),
            (b, width * 0.52, width * 0.64, true),
            (c, width * 0.64, width * 0.82, true),
            (d, width * 0.82, width, true),
        ];
        w.Space(4);
        w.Row(head, Cells("Description", "Qty", "Unit price", "Amount"), rule: true);
        for (var i = 0; i < table.Rows.Count; i++)
        {
            var row = table.Rows[i];
            w.Row(cell, Cells(row.Description, Format(row.Quantity), Money(row.UnitPrice, table.Currency), Money(row.Amount, table.Currency)),
                rule: i == table.Rows.Count - 1);
        }
        // Summary rows under the lines; Subtotal only when a discount or tax makes it differ from the total.
        if (table.Discount != 0 || table.Tax != 0)
        {
            w.Row(cell, Cells("Subtotal", "", "", Money(table.Subtotal, table.Currency)));
            if (table.Discount != 0) w.Row(cell, Cells("Discount", "", "", Money(-table.Discount, table.Currency)));
            if (table.Tax != 0) w.Row(cell, Cells("Tax", "", "", Money(table.Tax, table.Currency)));
        }
        w.Row(head, Cells("Total", "", "", Money(table.Total, table.Currency)), rule: false);
        w.Space(8);
    }

    private static string Format(decimal d) => d.ToString("0.##", CultureInfo.InvariantCulture);

    internal static string Money(decimal amount, string currency) =>
        amount.ToString("#,##0.00", CultureInfo.InvariantCulture) + " " + currency;
}
