using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.BulkSend;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>Bulk send from a CSV on both backends: preview, a 1,000-row send through the job queue, cancel, and every kind of bad file.</summary>
public sealed class BulkSendTests
{
    private const string Config = "{" + AppJobs.Config + """, "BulkSend": { "ChunkRows": 100 } }""";

    private static async Task<(SigillApp App, AppJobs Jobs, HttpClient Sender, string TemplateId, string OrganizationId)> StartAsync(Backend backend, string org, string region = "eu")
    {
        var app = await SigillApp.StartAsync(backend, Config);
        var owner = await app.SetUpOrganizationAsync(org, region);
        var sender = app.Web(owner.ApiToken);
        var template = await PostOkAsync(sender, "/api/v1/templates", new { name = "Offer", body = "# Offer for {{ customer }}\nAmount: {{ amount }}", variables = new[] { "customer", "amount" } });
        return (app, new AppJobs(app, region), sender, template.GetProperty("id").GetString()!, owner.OrganizationId);
    }

    private static MultipartFormDataContent Form(string templateId, byte[] csv, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent { { new StringContent(templateId), "templateId" } };
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        var file = new ByteArrayContent(csv);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "rows.csv");
        return form;
    }

    private static async Task<HttpResponseMessage> PostFileAsync(HttpClient sender, string path, string templateId, byte[] csv, params (string, string)[] fields)
    {
        using var form = Form(templateId, csv, fields);
        return await sender.PostAsync(path, form);
    }

    private static byte[] Csv(string text) => Encoding.UTF8.GetBytes(text);

    private static string Rows(int count, int from = 1) =>
        string.Concat(Enumerable.Range(from, count).Select(i => $"Person {i},person{i}@example.com,Customer {i},{i}00 EUR\r\n"));

    /// <summary>Runs the queue until nothing is due; a job that failed on the way fails the test with its error.</summary>
    private static async Task<JsonElement> DrainUntilEndedAsync(SigillApp app, AppJobs jobs, HttpClient sender, string id)
    {
        for (var i = 0; i < 200; i++)
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

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task The_preview_maps_the_columns_and_reports_each_bad_cell_and_stores_nothing(Backend backend)
    {
        var (app, _, sender, templateId, _) = await StartAsync(backend, "Acme Bulk Preview");
        await using var owned = app;
        using var s = sender;
        var csv = Csv("\uFEFFname,email,customer,amount,title\r\n" +
            "Ada,ada@example.com,\"=HYPERLINK(\"\"http://evil\"\")\",1,Offer A\r\n" +
            "Bob,not-an-address,Bob Ltd,2,\r\n" +
            "Cy,ADA@example.com,Cy AB,3,\r\n" +
            "\"Dee, Jr.\",dee@example.com,\"Multi\nline \"\"quoted\"\"\",4,Offer D\r\n");
        using var preview = await PostFileAsync(sender, "/api/v1/bulk-sends/preview", templateId, csv);
        var view = await OkJsonAsync(preview);
        Assert.Equal(4, view.GetProperty("rows").GetInt32());
        Assert.Equal(2, view.GetProperty("validRows").GetInt32());
        Assert.Equal(["recipient 1 name", "recipient 1 email", "variable customer", "variable amount", "document title"],
            view.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("target").GetString()!).ToArray());
        var sample = view.GetProperty("sample").EnumerateArray().ToList();
        Assert.Equal("=HYPERLINK(\"http://evil\")", sample[0].GetProperty("cells")[2].GetString()); // kept as text, never evaluated
        Assert.Equal("Multi\nline \"quoted\"", sample[3].GetProperty("cells")[2].GetString());
        var errors = view.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal([2, 3], errors.Select(e => e.GetProperty("row").GetInt32()).ToArray());
        Assert.Equal("email", errors[0].GetProperty("errors")[0].GetProperty("column").GetString());
        Assert.Contains("same address as row 1", errors[1].GetProperty("errors")[0].GetProperty("message").GetString()!, StringComparison.Ordinal);
        Assert.DoesNotContain("not-an-address", errors[0].ToString(), StringComparison.Ordinal); // a message never repeats the cell

        await using var db = app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(0, await db.BulkSends.CountAsync());
        Assert.Equal(0, await db.Documents.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_thousand_rows_become_a_thousand_sent_documents_bad_rows_are_skipped_and_the_batch_is_one_audit_event(Backend backend)
    {
        var (app, jobs, sender, templateId, orgId) = await StartAsync(backend, "Acme Bulk Thousand");
        await using var owned = app;
        using var s = sender;
        using var otherSender = app.Web((await app.SetUpOrganizationAsync("Other Org", "eu")).ApiToken);
        var otherTemplate = (await PostOkAsync(otherSender, "/api/v1/templates", new { name = "Theirs", body = "# Theirs", variables = Array.Empty<string>() })).GetProperty("id").GetString()!;
        // 1,000 good rows, then three bad ones: a bad address, a duplicate, another organization's template.
        var csv = "name,email,customer,amount,template\r\n" + string.Concat(Enumerable.Range(1, 1000).Select(i => $"Person {i},person{i}@example.com,Customer {i},{i},\r\n")) +
            "Bad,bad@,X,1,\r\nDup,PERSON1@example.com,X,1,\r\n" + $"Foreign,foreign@example.com,X,1,{otherTemplate}\r\n";
        var before = MailCount(app.DataDirectory, "eu");
        using var created = await PostFileAsync(sender, "/api/v1/bulk-sends", templateId, Csv(csv), ("title", "Spring offer"), ("message", "Please sign."));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var bulk = await OkJsonAsync(created);
        var id = bulk.GetProperty("id").GetString()!;
        Assert.Equal(("queued", 1003, 1000), (bulk.GetProperty("status").GetString(), bulk.GetProperty("totalRows").GetInt32(), bulk.GetProperty("validRows").GetInt32()));

        var done = await DrainUntilEndedAsync(app, jobs, sender, id);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal((1000, 3, 0, 100), (done.GetProperty("sent").GetInt32(), done.GetProperty("skipped").GetInt32(), done.GetProperty("pending").GetInt32(), done.GetProperty("progressPercent").GetInt32()));

        var skipped = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/bulk-sends/{id}/rows?status=skipped");
        Assert.Equal([1001, 1002, 1003], skipped.EnumerateArray().Select(r => r.GetProperty("row").GetInt32()).ToArray());
        Assert.Contains("template: no template with this id in your organization", skipped[2].GetProperty("error").GetString()!, StringComparison.Ordinal);

        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            Assert.Equal(1000, await db.Documents.CountAsync(d => d.OrganizationId == orgId && d.Status == "sent"));
            Assert.Equal(1000, await db.Recipients.CountAsync(r => r.OrganizationId == orgId && r.Status == "notified" && r.LinkHash != null));
            Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == orgId && e.Action == "bulk_send.created"));
            Assert.Equal(1000, await db.DocumentEvents.CountAsync(e => e.Action == "document.sent"));
            Assert.Null((await db.BulkSends.SingleAsync(b => b.Id == id)).FileObjectId); // the file is gone once the bulk send ends
        }
        Assert.Equal(1000, MailCount(app.DataDirectory, "eu") - before); // every invitation, through the mail queue
        var link = LinkFor(app.DataDirectory, "eu", "person17@example.com");
        await SignAsync(app, link, new { typedName = "Person 17" }); // an ordinary document: it completes as usual
        var rows = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/bulk-sends/{id}/rows");
        var docId = rows.EnumerateArray().Single(r => r.GetProperty("row").GetInt32() == 17).GetProperty("documentId").GetString()!;
        Assert.Equal("completed", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{docId}")).GetProperty("status").GetString());

        var report = await sender.GetStringAsync($"/api/v1/bulk-sends/{id}/report.csv");
        Assert.StartsWith("row,status,document,problems\r\n1,sent,doc_", report, StringComparison.Ordinal);
        Assert.Equal(1004, report.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        // Another organization sees none of it.
        Assert.Equal(HttpStatusCode.NotFound, (await otherSender.GetAsync($"/api/v1/bulk-sends/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherSender.PostAsJsonAsync($"/api/v1/bulk-sends/{id}/cancel", new { })).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Cancelling_stops_the_rows_not_sent_yet(Backend backend)
    {
        var (app, jobs, sender, templateId, orgId) = await StartAsync(backend, "Acme Bulk Cancel");
        await using var owned = app;
        using var s = sender;
        using var created = await PostFileAsync(sender, "/api/v1/bulk-sends", templateId, Csv("name,email,customer,amount\r\n" + Rows(250)));
        var id = (await OkJsonAsync(created)).GetProperty("id").GetString()!;
        Assert.Equal(1, await jobs.DrainAsync(1)); // one run: the first 100 rows
        using (var cancel = await sender.PostAsJsonAsync($"/api/v1/bulk-sends/{id}/cancel", new { }))
        {
            var view = await OkJsonAsync(cancel);
            Assert.Equal(("cancelled", 100, 150), (view.GetProperty("status").GetString(), view.GetProperty("sent").GetInt32(), view.GetProperty("pending").GetInt32()));
        }
        var after = await DrainUntilEndedAsync(app, jobs, sender, id);
        Assert.Equal(("cancelled", 100), (after.GetProperty("status").GetString(), after.GetProperty("sent").GetInt32()));
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            Assert.Equal(100, await db.Documents.CountAsync(d => d.OrganizationId == orgId));
            Assert.Null((await db.BulkSends.SingleAsync(b => b.Id == id)).FileObjectId);
        }
        using var again = await sender.PostAsJsonAsync($"/api/v1/bulk-sends/{id}/cancel", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("bulk_send_finished", await ProblemCodeAsync(again));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Bad_files_are_refused_with_a_code_and_nothing_is_stored(Backend backend)
    {
        var (app, _, sender, templateId, orgId) = await StartAsync(backend, "Acme Bulk Hostile");
        await using var owned = app;
        using var s = sender;
        const string Header = "name,email,customer,amount\r\n";
        var latin1 = Encoding.Latin1.GetBytes(Header + "Åsa,asa@example.com,Kund,1\r\n");
        var utf16 = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Header + Rows(1))).ToArray();
        var cases = new (string What, byte[] File, HttpStatusCode Status, string Code)[]
        {
            ("Latin-1", latin1, HttpStatusCode.BadRequest, "csv_invalid"),
            ("UTF-16 with its BOM", utf16, HttpStatusCode.BadRequest, "csv_invalid"),
            ("a million columns", Csv(new string(',', 1_000_000) + "\r\n"), HttpStatusCode.BadRequest, "csv_invalid"),
            ("an unclosed quote", Csv(Header + "\"Ada,ada@example.com,X,1\r\n"), HttpStatusCode.BadRequest, "csv_invalid"),
            ("a stray quote", Csv(Header + "A\"da,ada@example.com,X,1\r\n"), HttpStatusCode.BadRequest, "csv_invalid"),
            ("a NUL", Csv(Header + "Ada\0,ada@example.com,X,1\r\n"), HttpStatusCode.BadRequest, "csv_invalid"),
            ("empty", [], HttpStatusCode.BadRequest, "csv_invalid"),
            ("an unknown column", Csv("name,email,customer,amount,salary\r\n" + "Ada,ada@example.com,X,1,9\r\n"), HttpStatusCode.BadRequest, "bulk_columns_invalid"),
            ("no email column", Csv("name,customer,amount\r\nAda,X,1\r\n"), HttpStatusCode.BadRequest, "bulk_columns_invalid"),
            ("21 MB", Csv(Header + new string('x', 21_000_000)), HttpStatusCode.RequestEntityTooLarge, "bulk_file_too_large"),
        };
        foreach (var (what, file, status, code) in cases)
        {
            foreach (var path in new[] { "/api/v1/bulk-sends/preview", "/api/v1/bulk-sends" })
            {
                using var reply = await PostFileAsync(sender, path, templateId, file);
                Assert.True(reply.StatusCode == status, $"{what} at {path}: {(int)reply.StatusCode} {await reply.Content.ReadAsStringAsync()}");
                Assert.Equal(code, await ProblemCodeAsync(reply));
            }
        }
        using (var onlyBad = await PostFileAsync(sender, "/api/v1/bulk-sends", templateId, Csv(Header + "Ada,nope,X,1\r\n")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, onlyBad.StatusCode);
            Assert.Equal("bulk_no_valid_rows", await ProblemCodeAsync(onlyBad));
        }
        // 100 MB is refused from its Content-Length at the public tier, before any of it is sent.
        var huge = await RawHttp.SendAsync(app.WebUrl, "POST", "/api/v1/bulk-sends",
            [$"Authorization: Bearer {sender.DefaultRequestHeaders.Authorization!.Parameter}", "Content-Type: multipart/form-data; boundary=sigill", $"Content-Length: {100L * 1024 * 1024}"]);
        Assert.Equal((413, "bulk_file_too_large"), (huge.Status, huge.Code));
        // Another organization's template is not found; a BOM-only UTF-8 file with good rows passes.
        using (var foreign = await PostFileAsync(sender, "/api/v1/bulk-sends/preview", "tpl_eu_00000000000000000000000000", Csv(Header + Rows(1))))
        {
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        }
        using (var bom = await PostFileAsync(sender, "/api/v1/bulk-sends/preview", templateId, Encoding.UTF8.GetPreamble().Concat(Csv(Header + Rows(2))).ToArray()))
        {
            Assert.Equal(2, (await OkJsonAsync(bom)).GetProperty("validRows").GetInt32());
        }
        await using var db = app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(0, await db.BulkSends.CountAsync(b => b.OrganizationId == orgId));
        Assert.Equal(0, await db.Documents.CountAsync(d => d.OrganizationId == orgId));
    }

    [Fact]
    public async Task The_reader_follows_rfc_4180_and_exports_never_carry_a_formula()
    {
        static async Task<List<string[]>> ReadAllAsync(string text)
        {
            using var reader = new CsvRecordReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), new CsvLimits(MaxColumns: 5, MaxCellChars: 20, MaxRows: 3));
            var records = new List<string[]>();
            while (await reader.ReadAsync(CancellationToken.None) is { } r) records.Add(r);
            return records;
        }
        var records = await ReadAllAsync("a,b\n\n\"x,1\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",\n=1+2,@x");
        Assert.Equal([["a", "b"], ["x,1", "say \"hi\""], ["two\r\nlines", ""], ["=1+2", "@x"]], records);
        await Assert.ThrowsAsync<CsvRejectedException>(() => ReadAllAsync("a\n1\n2\n3\n4\n")); // more than 3 rows
        await Assert.ThrowsAsync<CsvRejectedException>(() => ReadAllAsync("a,b,c,d,e,f\n")); // more than 5 columns
        await Assert.ThrowsAsync<CsvRejectedException>(() => ReadAllAsync("a\n" + new string('x', 21))); // a cell over 20 characters
        await Assert.ThrowsAsync<CsvRejectedException>(() => ReadAllAsync("a\n\"x\"y\n")); // text after a closing quote

        Assert.Equal("'=1+2", CsvWriter.Cell("=1+2"));
        Assert.Equal("'+1", CsvWriter.Cell("+1"));
        Assert.Equal("'-1", CsvWriter.Cell("-1"));
        Assert.Equal("'@SUM(A1)", CsvWriter.Cell("@SUM(A1)"));
        Assert.Equal("\"'=A1,B1\"", CsvWriter.Cell("=A1,B1"));
        Assert.Equal("\"say \"\"hi\"\"\"", CsvWriter.Cell("say \"hi\""));
        Assert.Equal("plain", CsvWriter.Cell("plain"));
    }
}
