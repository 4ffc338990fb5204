using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.BulkSend;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Documents.XlsxWorkbook;

namespace Sigill.Tests.Documents;

/// <summary>Bulk send from an Excel workbook (.xlsx) on both backends: the same preview and documents as the same CSV, and every kind of hostile workbook refused.</summary>
public sealed class BulkSendXlsxTests
{
    private const string Config = "{" + AppJobs.Config + """, "BulkSend": { "ChunkRows": 100 } }""";
    private const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>A cell with everything that must survive: a separator, quotes, a line break, a leading =, letters beyond ASCII and an emoji.</summary>
    private const string Tricky = "Acme, \"Nordic\" AB\nÅsa Ärlig Öberg 🎉";

    private static async Task<(SigillApp App, AppJobs Jobs, HttpClient Sender, string TemplateId, string OrganizationId)> StartAsync(Backend backend, string org)
    {
        var app = await SigillApp.StartAsync(backend, Config);
        var owner = await app.SetUpOrganizationAsync(org, "eu");
        var sender = app.Web(owner.ApiToken);
        var template = await PostOkAsync(sender, "/api/v1/templates", new { name = "Offer", body = "# Offer for {{ customer }}\nAmount: {{ amount }}", variables = new[] { "customer", "amount" } });
        return (app, new AppJobs(app, "eu"), sender, template.GetProperty("id").GetString()!, owner.OrganizationId);
    }

    private static async Task<HttpResponseMessage> PostFileAsync(HttpClient sender, string path, string templateId, byte[] file, string name = "rows.xlsx", string type = XlsxType)
    {
        using var form = new MultipartFormDataContent { { new StringContent(templateId), "templateId" } };
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        form.Add(content, "file", name);
        return await sender.PostAsync(path, form);
    }

    private static List<string[]?> Sample(int count)
    {
        var rows = new List<string[]?> { new[] { "name", "email", "customer", "amount", "title" } };
        for (var i = 1; i <= count; i++)
        {
            rows.Add([$"Person {i}", $"person{i}@example.com", i % 5 == 1 ? $"=SUM(A{i}) {Tricky} {i}" : $"Customer {i}", i % 2 == 0 ? $"{i}00" : $"{i}.5", i % 7 == 0 ? "" : $"Offer {i}, \"å\" 🎉"]);
            if (i == 3) rows.Add(null); // a blank row: skipped by both readers
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_xlsx_previews_exactly_like_the_same_rows_as_csv(Backend backend)
    {
        var (app, _, sender, templateId, _) = await StartAsync(backend, "Acme Xlsx Preview");
        await using var owned = app;
        using var s = sender;
        var rows = Sample(12);
        rows.Add(["Bad", "not-an-address", "X", "1", ""]);
        using var fromXlsx = await PostFileAsync(sender, "/api/v1/bulk-sends/preview", templateId, FromRows(rows));
        using var fromCsv = await PostFileAsync(sender, "/api/v1/bulk-sends/preview", templateId, Encoding.UTF8.GetBytes(Csv(rows)), "rows.csv", "text/csv");
        var xlsx = await OkJsonAsync(fromXlsx);
        Assert.Equal((await OkJsonAsync(fromCsv)).ToString(), xlsx.ToString());
        Assert.Equal((13, 12), (xlsx.GetProperty("rows").GetInt32(), xlsx.GetProperty("validRows").GetInt32()));
        Assert.Equal($"=SUM(A1) {Tricky} 1", xlsx.GetProperty("sample")[0].GetProperty("cells")[2].GetString());
        Assert.Equal("200", xlsx.GetProperty("sample")[1].GetProperty("cells")[3].GetString());
        await using var db = app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(0, await db.BulkSends.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Fifty_xlsx_rows_are_kept_as_the_csv_the_same_upload_would_be_and_become_fifty_documents(Backend backend)
    {
        var (app, jobs, sender, templateId, orgId) = await StartAsync(backend, "Acme Xlsx Send");
        await using var owned = app;
        using var s = sender;
        var rows = Sample(50);
        var workbook = FromRows(rows);
        using var created = await PostFileAsync(sender, "/api/v1/bulk-sends", templateId, workbook);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = (await OkJsonAsync(created)).GetProperty("id").GetString()!;

        // What the job will read: the same records the same rows as CSV give.
        var cell = app.Cells.Get("eu");
        string objectId;
        await using (var db = cell.CreateDbContext())
        {
            var bulk = await db.BulkSends.SingleAsync(b => b.Id == id);
            objectId = bulk.FileObjectId!;
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(workbook)), bulk.FileSha256);
            var audit = await db.Set<AuditEvent>().SingleAsync(e => e.OrganizationId == orgId && e.Action == "bulk_send.created");
            var (_, canonical) = await AuditReceipts.OpenAsync(cell, audit, CancellationToken.None);
            var details = JsonDocument.Parse(canonical).RootElement.GetProperty("details");
            Assert.Equal(("xlsx", bulk.FileSha256), (details.GetProperty("format").GetString(), details.GetProperty("sha256").GetString()));
        }
        using var stored = new MemoryStream();
        Assert.True(await cell.Objects.CopyToAsync(BulkSendEndpoints.FileContext(cell, orgId, objectId), stored, CancellationToken.None));
        Assert.Equal(await RecordsAsync(Encoding.UTF8.GetBytes(Csv(rows))), await RecordsAsync(stored.ToArray()));

        var done = await DrainAsync(app, jobs, sender, id);
        Assert.Equal(("completed", 50, 0), (done.GetProperty("status").GetString(), done.GetProperty("sent").GetInt32(), done.GetProperty("skipped").GetInt32()));
        var documents = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/bulk-sends/{id}/rows");
        var first = documents.EnumerateArray().Single(r => r.GetProperty("row").GetInt32() == 1).GetProperty("documentId").GetString()!;
        Assert.Equal("Offer 1, \"å\" 🎉", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{first}")).GetProperty("title").GetString());
        await using (var db = cell.CreateDbContext())
        {
            Assert.Equal(50, await db.Documents.CountAsync(d => d.OrganizationId == orgId && d.Status == "sent"));
        }
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Hostile_workbooks_are_refused_with_spreadsheet_invalid_and_nothing_is_stored(Backend backend)
    {
        var (app, _, sender, templateId, orgId) = await StartAsync(backend, "Acme Xlsx Hostile");
        await using var owned = app;
        using var s = sender;
        var cases = new (string What, byte[] File, string Code)[]
        {
            ("a ZIP bomb", Bomb(20_000_000, FitHeader), "spreadsheet_invalid"),
            ("a billion laughs", Build("", sheetXml: BillionLaughs), "spreadsheet_invalid"),
            ("a cell at column XFD", Build(FitHeader + """<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>"""), "spreadsheet_invalid"),
            ("a cell of 10,001 characters", Build(FitHeader + $"""<row r="2"><c r="A2" t="inlineStr"><is><t>{new string('x', 10_001)}</t></is></c></row>"""), "spreadsheet_invalid"),
            ("a ZIP that is not a workbook", Zip(("word/document.xml", "<document/>")), "spreadsheet_invalid"),
            ("2,000 parts", Zip([.. Enumerable.Range(0, 2000).Select(i => ($"p/{i}.xml", "<x/>"))]), "spreadsheet_invalid"),
            ("malformed XML", Build(FitHeader + "<row r=\"2\"><c r=\"A2\"><v>1</c></row>"), "spreadsheet_invalid"),
            ("a cut-off ZIP", FromRows(Sample(2))[..200], "spreadsheet_invalid"),
            ("a password-protected workbook", Ole(encrypted: true), "spreadsheet_invalid"),
            ("an .xls", Ole(encrypted: false), "spreadsheet_invalid"),
            ("an empty sheet", Build(""), "spreadsheet_invalid"),
            ("an unknown column", FromRows([["name", "email", "salary"], ["Ada", "ada@example.com", "9"]]), "bulk_columns_invalid"),
        };
        foreach (var (what, file, code) in cases)
        {
            foreach (var path in new[] { "/api/v1/bulk-sends/preview", "/api/v1/bulk-sends" })
            {
                using var reply = await PostFileAsync(sender, path, templateId, file);
                var body = await reply.Content.ReadAsStringAsync();
                Assert.True(reply.StatusCode == HttpStatusCode.BadRequest, $"{what} at {path}: {(int)reply.StatusCode} {body}");
                Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("code").GetString() == code, $"{what} at {path}: {body}");
            }
        }
        using (var encrypted = await PostFileAsync(sender, "/api/v1/bulk-sends/preview", templateId, Ole(encrypted: true)))
        {
            Assert.Contains("encrypted workbooks cannot be read; save it without a password", await encrypted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var xls = await PostFileAsync(sender, "/api/v1/bulk-sends/preview", templateId, Ole(encrypted: false)))
        {
            Assert.Contains("save it as .xlsx or as CSV UTF-8", await xls.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var secret = await PostFileAsync(sender, "/api/v1/bulk-sends/preview", templateId,
            Build(FitHeader + """<row r="7"><c r="A7" t="inlineStr"><is><t>Secret Name</t></is></c><c r="B7" t="inlineStr"><is><t>""" + new string('s', 10_001) + "</t></is></c></row>")))
        {
            var text = await secret.Content.ReadAsStringAsync();
            Assert.Contains("Sheet row 7", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Secret", text, StringComparison.Ordinal); // a message names the row, never a cell
        }
        await using var db = app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(0, await db.BulkSends.CountAsync(b => b.OrganizationId == orgId));
        Assert.Equal(0, await db.Documents.CountAsync(d => d.OrganizationId == orgId));
    }

    [Fact]
    public async Task The_reader_takes_each_kind_of_cell_as_text_and_never_evaluates_a_formula()
    {
        var workbook = Build("""
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>c</t></is></c><c r="D1" t="str"><v>d</v></c><c r="E1" t="inlineStr"><is><t>e</t></is></c><c r="F1" t="inlineStr"><is><t>f</t></is></c><c r="G1" t="inlineStr"><is><t>g</t></is></c></row>
            <row r="2" spans="1:9"><c r="A2" s="3" t="s"><v>2</v></c><c r="B2"><v>12</v></c><c r="C2"><v>1.5</v></c><c r="D2" t="str"><f>1+1</f><v>2</v></c><c r="E2" t="b"><v>1</v></c><c r="F2" t="e"><v>#N/A</v></c><c r="G2"><v>1E-3</v></c><c r="H2" s="4"/></row>
            <row r="4"><c r="A4" t="inlineStr"><is><r><t>ru</t></r><r><rPr><b/></rPr><t xml:space="preserve">ns </t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></is></c><c r="C4"><v>1.5E+2</v></c><c r="E4" t="b"><v>0</v></c><c r="G4" t="str"><f>CONCAT("a";"b")</f><v>line_x000D_break</v></c></row>
            <row r="5"><c r="A5" s="1"/><c r="B5" t="inlineStr"><is><t></t></is></c></row>
            """, """<si><t>a</t></si><si><r><t>b</t></r><r><t>b</t></r><rPh><t>x</t></rPh></si><si><t>=HYPERLINK("http://evil")</t></si>""");
        Assert.Equal([
            ["a", "bb", "c", "d", "e", "f", "g"],
            ["=HYPERLINK(\"http://evil\")", "12", "1.5", "2", "TRUE", "#N/A", "0.001"],
            ["runs ", "", "150", "", "FALSE", "", "line\rbreak"],
        ], await ReadAllAsync(workbook, new CsvLimits()));
        Assert.Equal("0.00000000000012", XlsxRecordReader.Number("1.2E-13"));
        Assert.Equal("12000000000000000000000", XlsxRecordReader.Number("1.2E+22"));
        Assert.Equal("1E+300", XlsxRecordReader.Number("1E+300")); // beyond a decimal: as written
    }

    [Fact]
    public async Task The_reader_refuses_what_costs_more_than_its_limits()
    {
        var limits = new CsvLimits(MaxColumns: 5, MaxCellChars: 20, MaxRows: 3);
        static string Rows(int n) => string.Concat(Enumerable.Range(2, n).Select(i => $"<row r=\"{i}\"><c r=\"A{i}\"><v>{i}</v></c></row>"));
        Assert.Equal(4, (await ReadAllAsync(Build(Header + Rows(3)), limits)).Count);
        await RefusedAsync(Build(Header + Rows(4)), limits, "more than 3 rows");
        await RefusedAsync(Build(Header + """<row r="2"><c r="F2"><v>1</v></c></row>"""), limits, "Sheet row 2: more than 5 columns");
        Assert.Single(await ReadAllAsync(Build(FitHeader + """<row r="2"><c r="XFD2" s="1"/></row>"""), limits)); // an empty styled cell far out is no column
        await RefusedAsync(Build(Header + """<row r="2"><c r="A2" t="s"><v>0</v></c></row>""", $"<si><t>{new string('x', 21)}</t></si>"), limits, "Sheet row 2: a cell longer than 20");
        await RefusedAsync(Build(Header + """<row r="2"><c r="A2" t="s"><v>5</v></c></row>""", "<si><t>x</t></si>"), limits, "a shared string the workbook does not have");
        await RefusedAsync(Build(Header + """<row r="2"><c r="A3"><v>1</v></c></row>"""), limits, "not a cell of this row");
        await RefusedAsync(Build(Header + """<row r="3"/><row r="2"/>"""), limits, "out of order");
        await RefusedAsync(Build("", sheetXml: BillionLaughs), limits, "DTD");
        await RefusedAsync(Build("", sheetXml: """<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:1/evil.dtd"><worksheet><sheetData/></worksheet>"""), limits, "DTD");
        await RefusedAsync(Build(Header, string.Concat(Enumerable.Repeat("<si><t>x</t></si>", 11))), limits, "more than 10 distinct texts", new XlsxLimits(MaxSharedStrings: 10));
        await RefusedAsync(Build(Header, string.Concat(Enumerable.Repeat("<si><t>0123456789</t></si>", 11))), limits, "longer than 100 characters in all", new XlsxLimits(MaxSharedStringChars: 100));
        await RefusedAsync(Bomb(20_000_000), limits, "ZIP bomb");
        // Past the total: each part compresses only 2:1, but together they unpack to more than allowed.
        var noisy = Build(Header + string.Concat(Enumerable.Range(2, 3).Select(i => $"<row r=\"{i}\"><c r=\"A{i}\" t=\"inlineStr\"><is><t>{Convert.ToHexString(RandomNumberGenerator.GetBytes(10))}</t></is></c></row>")));
        await RefusedAsync(noisy, limits, "unpacks to more than 1200 bytes", new XlsxLimits(MaxUncompressedBytes: 1200));
        await RefusedAsync(Build(Header, sharedXml: $"<sst><si><t>{new string('x', 3000)}</t></si></sst>"), new CsvLimits(), "longer than 2048 bytes", new XlsxLimits(MaxXmlRunBytes: 2048));
        await RefusedAsync(Build(Header, more: zip => { Add(zip, "extra1.xml", "<x/>"); Add(zip, "extra2.xml", "<x/>"); }), limits, "more than 8 parts", new XlsxLimits(MaxEntries: 8));
        await RefusedAsync(Build(Header + """<row r="2"><c r="A2" t="inlineStr"><is><t>a_x0000_b</t></is></c></row>"""), limits, "NUL");
    }

    private const string Header = """<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>""";

    /// <summary>A header that fits the template, so a request reads on past it (a header that does not fit is refused first).</summary>
    private const string FitHeader = """<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>email</t></is></c><c r="C1" t="inlineStr"><is><t>customer</t></is></c><c r="D1" t="inlineStr"><is><t>amount</t></is></c></row>""";

    private const string BillionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
        <worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;</t></is></c></row></sheetData></worksheet>
        """;

    /// <summary>A workbook whose sheet is a short header and then megabytes of one empty element repeated: compresses about 1000:1.</summary>
    private static byte[] Bomb(int bytes, string header = Header) => Build("", sheetXml: new StringBuilder("<worksheet><sheetData>" + header).Append(new StringBuilder().Insert(0, "<b/>", bytes / 4)).Append("</sheetData></worksheet>").ToString());

    private static byte[] Zip(params (string Name, string Text)[] entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in entries) Add(zip, name, text);
        }
        return output.ToArray();
    }

    /// <summary>The start of an OLE compound file (what Excel writes for .xls and for a workbook with a password), with the encrypted package's stream name in its directory or not.</summary>
    private static byte[] Ole(bool encrypted)
    {
        var file = new byte[4096];
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(file, 0);
        Encoding.Unicode.GetBytes(encrypted ? "EncryptedPackage" : "Workbook").CopyTo(file, 1024);
        Encoding.Unicode.GetBytes(encrypted ? "EncryptionInfo" : "SummaryInformation").CopyTo(file, 1152);
        return file;
    }

    private static async Task<List<string[]>> ReadAllAsync(byte[] workbook, CsvLimits limits, XlsxLimits? xlsx = null)
    {
        using var reader = BulkFiles.OpenReader(new MemoryStream(workbook), limits, xlsx ?? new XlsxLimits());
        Assert.IsType<XlsxRecordReader>(reader);
        var records = new List<string[]>();
        while (await reader.ReadAsync(CancellationToken.None) is { } r) records.Add(r);
        return records;
    }

    private static async Task RefusedAsync(byte[] workbook, CsvLimits limits, string message, XlsxLimits? xlsx = null)
    {
        var e = await Assert.ThrowsAsync<SpreadsheetRejectedException>(() => ReadAllAsync(workbook, limits, xlsx));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    private static async Task<List<string[]>> RecordsAsync(byte[] csv)
    {
        using var reader = new CsvRecordReader(new MemoryStream(csv), new CsvLimits());
        var records = new List<string[]>();
        while (await reader.ReadAsync(CancellationToken.None) is { } r) records.Add(r);
        return records;
    }

    private static async Task<JsonElement> DrainAsync(SigillApp app, AppJobs jobs, HttpClient sender, string id)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await jobs.DrainAsync() == 0) break;
        }
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            var failed = await db.Set<Sigill.Api.Platform.Jobs.JobRow>().Where(j => j.LastError != null).Select(j => j.Kind + ": " + j.LastError).ToListAsync();
            Assert.True(failed.Count == 0, string.Join("\n", failed));
        }
        return await sender.GetFromJsonAsync<JsonElement>($"/api/v1/bulk-sends/{id}");
    }
}
