using System.Globalization;
using Sigill.Pdf.Rendering;

namespace Sigill.Pdf;

/// <summary>
/// A plain report of headed sections of lines (the records of processing, docs/formats/ropa.md), rendered as an A4 PDF
/// with the same page writer as the certificate of completion. The caller decides what goes in; it holds no customer
/// content unless the caller puts it there.
/// </summary>
public sealed record SectionedReport(string Title, DateTimeOffset GeneratedAt, IReadOnlyList<string> Facts, IReadOnlyList<ReportSection> Sections)
{
    public byte[] ToPdf()
    {
        using var document = PageWriter.NewDocument(compress: true);
        using (var w = new PageWriter(document, 595.28, 841.89, 42))
        {
            var body = PageWriter.Font(8.5);
            w.Text(Title, PageWriter.Font(16, bold: true), spacingAfter: 6);
            w.Text($"Generated: {GeneratedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}", body, spacingAfter: 1);
            foreach (var fact in Facts)
            {
                w.Text(fact, body, spacingAfter: 1);
            }
            w.Space(8);
            var head = PageWriter.Font(11, bold: true);
            foreach (var section in Sections)
            {
                w.Text(section.Heading, head, spacingAfter: 2);
                foreach (var line in section.Lines)
                {
                    w.Text(line, body, indent: 10, spacingAfter: 2);
                }
                w.Space(6);
            }
        }
        using var ms = new MemoryStream();
        document.Save(ms, closeStream: false);
        return ms.ToArray();
    }
}

public sealed record ReportSection(string Heading, IReadOnlyList<string> Lines);
