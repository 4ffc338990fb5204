using System.IO.Compression;
using System.Text;

namespace Sigill.Tests.Documents;

/// <summary>Builds small .xlsx files for tests: the parts a SpreadsheetML workbook needs, a sheet written from rows or given as XML.</summary>
internal static class XlsxWorkbook
{
    private const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private const string Rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /// <summary>
    /// A workbook of these rows: texts as shared strings (every third data row as inline strings instead), cells that
    /// parse as numbers written as numbers, empty cells left out, and a null row left out (a blank row in the sheet).
    /// </summary>
    public static byte[] FromRows(IReadOnlyList<string[]?> rows)
    {
        var shared = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var sheet = new StringBuilder();
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r] is not { } cells) continue;
            sheet.Append($"<row r=\"{r + 1}\">");
            for (var c = 0; c < cells.Length; c++)
            {
                var value = cells[c];
                if (value.Length == 0) continue;
                var reference = Column(c) + (r + 1);
                if (r > 0 && double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _) && !value.StartsWith('+'))
                {
                    sheet.Append($"<c r=\"{reference}\"><v>{value}</v></c>");
                }
                else if (r % 3 == 2)
                {
                    sheet.Append($"<c r=\"{reference}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{Escape(value)}</t></is></c>");
                }
                else
                {
                    if (!index.TryGetValue(value, out var i))
                    {
                        index[value] = i = shared.Count;
                        shared.Add(value);
                    }
                    sheet.Append($"<c r=\"{reference}\" t=\"s\"><v>{i}</v></c>");
                }
            }
            sheet.Append("</row>");
        }
        return Build(sheet.ToString(), string.Concat(shared.Select(s => $"<si><t xml:space=\"preserve\">{Escape(s)}</t></si>")));
    }

    /// <summary>A workbook whose first sheet's <c>sheetData</c> holds <paramref name="sheetData"/>; <paramref name="sharedItems"/> are the <c>si</c> elements.</summary>
    public static byte[] Build(string sheetData, string? sharedItems = null, Action<ZipArchive>? more = null, string? sheetXml = null, string? sharedXml = null)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "[Content_Types].xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>
                """);
            Add(zip, "_rels/.rels", $"""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{Rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>
                """);
            // The rows are on the sheet named second in the ZIP but first in the workbook, as Excel does after reordering sheets.
            Add(zip, "xl/workbook.xml", $"""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <workbook xmlns="{Main}" xmlns:r="{Rels}"><sheets><sheet name="Rows" sheetId="2" r:id="rId7"/><sheet name="Other" sheetId="1" r:id="rId1"/></sheets></workbook>
                """);
            Add(zip, "xl/_rels/workbook.xml.rels", $"""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{Rels}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId7" Type="{Rels}/worksheet" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId3" Type="{Rels}/sharedStrings" Target="sharedStrings.xml"/></Relationships>
                """);
            Add(zip, "xl/worksheets/sheet1.xml", $"""<worksheet xmlns="{Main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>not this sheet</t></is></c></row></sheetData></worksheet>""");
            Add(zip, "xl/worksheets/sheet2.xml", sheetXml ?? $"""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <worksheet xmlns="{Main}"><dimension ref="A1"/><sheetData>{sheetData}</sheetData></worksheet>
                """);
            Add(zip, "xl/sharedStrings.xml", sharedXml ?? $"""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <sst xmlns="{Main}">{sharedItems}</sst>
                """);
            more?.Invoke(zip);
        }
        return output.ToArray();
    }

    public static void Add(ZipArchive zip, string name, string text)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    public static string Column(int index)
    {
        var name = "";
        for (index++; index > 0; index = (index - 1) / 26) name = (char)('A' + (index - 1) % 26) + name;
        return name;
    }

    /// <summary>XML text: markup escaped, and a carriage return as a character reference (XML would read a raw one as a line feed).</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("\"", "&quot;", StringComparison.Ordinal).Replace("\r", "&#13;", StringComparison.Ordinal);

    /// <summary>CSV of the same rows (null rows as blank lines), quoting as needed and never neutralizing a formula.</summary>
    public static string Csv(IReadOnlyList<string[]?> rows) =>
        string.Concat(rows.Select(r => r is null ? "\r\n" : string.Join(',', r.Select(c => c.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : c)) + "\r\n"));
}
