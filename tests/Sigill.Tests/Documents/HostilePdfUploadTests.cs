using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Hostile;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>The hostile PDF corpus through the public web tier and the API tier, as an attacker would send it.</summary>
public sealed class HostilePdfUploadTests
{
    private static int StoredPdfs(SigillApp app, string region)
    {
        var blobs = Path.Combine(app.DataDirectory, region, "blobs");
        return Directory.Exists(blobs)
            ? Directory.GetFiles(blobs, "*", SearchOption.AllDirectories).Count(f => f.Contains("document.pdf", StringComparison.Ordinal))
            : 0;
    }

    [Fact]
    public async Task Every_hostile_pdf_is_refused_with_its_code_and_nothing_is_stored_while_ordinary_uploads_keep_working()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Hostile Uploads", "eu");
        using var attacker = app.Web(org.ApiToken);
        using var sender = app.Web(org.ApiToken);

        // An ordinary sender keeps uploading on the same server while the corpus runs.
        using var corpusDone = new CancellationTokenSource();
        var ordinary = Task.Run(async () =>
        {
            var created = 0;
            do
            {
                using var response = await UploadAsync(sender, $"Ordinary {created}", SamplePdf("An ordinary agreement"));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                created++;
            }
            while (!corpusDone.IsCancellationRequested);
            return created;
        });

        var failures = new List<string>();
        foreach (var hostile in HostileCorpus.Pdfs())
        {
            using var response = await UploadAsync(attacker, "Hostile", hostile.Payload());
            var text = await response.Content.ReadAsStringAsync();
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonDocument.Parse(text).RootElement : default;
            var code = problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("code", out var c) ? c.GetString() : null;
            var detail = problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if ((int)response.StatusCode != hostile.ExpectedStatus || code != hostile.ExpectedCode || string.IsNullOrWhiteSpace(detail))
            {
                failures.Add($"{hostile.Name}: {(int)response.StatusCode} {code} {detail ?? text}");
            }
        }
        await corpusDone.CancelAsync();
        var created = await ordinary;
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        var list = await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents");
        Assert.Equal(Math.Min(created, 200), list.GetArrayLength()); // the list shows the newest 200
        Assert.All(list.EnumerateArray(), d => Assert.StartsWith("Ordinary", d.GetProperty("title").GetString(), StringComparison.Ordinal));
        Assert.Equal(created, StoredPdfs(app, "eu"));

        var after = await UploadOkAsync(attacker, "After the corpus", SamplePdf("Still open for business", pages: 2));
        Assert.Equal(2, after.GetProperty("pageCount").GetInt32());
    }

    [Fact]
    public async Task The_decode_limits_are_configured_under_Documents()
    {
        await using var app = await SigillApp.StartAsync("""{ "Documents": { "MaxPdfStreamBytes": 65536 } }""");
        var org = await app.SetUpOrganizationAsync("Acme Tight Limits", "us");
        using var sender = app.Web(org.ApiToken);
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>", 3);
        p.Stream("/Filter/FlateDecode", PdfBytes.DeflateZeros(1024 * 1024), 4);
        using (var response = await UploadAsync(sender, "A megabyte of page content", p.Finish(1)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("pdf_too_complex", await ProblemCodeAsync(response));
        }
        await UploadOkAsync(sender, "Small enough", SamplePdf("A short agreement"));
    }
}
