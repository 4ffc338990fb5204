using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// On both backends. The first test has its own app (its own PDF limit; it counts the whole cell's blobs); the others
/// share one app per backend, each with its own organizations.
/// </summary>
public sealed class DocumentAbuseTests(SharedApps apps) : IClassFixture<SharedApps>
{
    private static async Task<int> BlobCountAsync(SigillApp app, string region) =>
        (await app.BlobsAsync(region)).Count(f => f.Contains("document.pdf", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Malformed_encrypted_oversized_and_scripted_pdfs_are_refused_with_stable_codes_and_nothing_is_stored(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, """{ "Documents": { "MaxPdfBytes": 200000 } }""");
        var org = await app.SetUpOrganizationAsync("Acme Uploads", "us");
        using var sender = app.Web(org.ApiToken);
        var scripted = MinimalPdf("<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>", "<</S/JavaScript/JS(app.alert\\('hi'\\))>>");
        var encrypted = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(SamplePdf("secret")).Replace("trailer\n<<", "trailer\n<</Encrypt 1 0 R", StringComparison.Ordinal));
        var huge = new byte[300_000];
        SamplePdf("x").CopyTo(huge, 0);
        var cases = new (byte[] Pdf, HttpStatusCode Status, string Code)[]
        {
            (Encoding.ASCII.GetBytes("this is not a pdf at all"), HttpStatusCode.BadRequest, "pdf_malformed"),
            (scripted, HttpStatusCode.BadRequest, "pdf_active_content"),
            (encrypted, HttpStatusCode.BadRequest, "pdf_encrypted"),
            (huge, HttpStatusCode.RequestEntityTooLarge, "pdf_too_large"),
        };
        foreach (var (pdf, status, code) in cases)
        {
            using var response = await UploadAsync(sender, "Bad upload", pdf);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(code, await ProblemCodeAsync(response));
        }
        var list = await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents");
        Assert.Equal(0, list.GetArrayLength());
        Assert.Equal(0, await BlobCountAsync(app, "us"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Another_organizations_document_answers_404_for_every_route(Backend backend)
    {
        var app = await apps.For(backend);
        var acme = await app.SetUpOrganizationAsync("Acme", "us");
        var globex = await app.SetUpOrganizationAsync("Globex", "us");
        using var acmeClient = app.Web(acme.ApiToken);
        using var globexClient = app.Web(globex.ApiToken);
        var id = (await UploadOkAsync(acmeClient, "Acme only", SamplePdf("acme"))).GetProperty("id").GetString()!;
        foreach (var path in new[] { "", "/pdf", "/sealed.pdf", "/activity" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await globexClient.GetAsync($"/api/v1/documents/{id}{path}")).StatusCode);
        }
        foreach (var (path, body) in new (string, object)[] { ("/recipients", new { name = "X", email = "x@example.test" }), ("/send", new { }), ("/void", new { }) })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await globexClient.PostAsJsonAsync($"/api/v1/documents/{id}{path}", body)).StatusCode);
        }
        Assert.Equal("draft", (await acmeClient.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Illegal_transitions_answer_409_with_a_code(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme States", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "States", SamplePdf("states"))).GetProperty("id").GetString()!;
        using (var noSigner = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/send", new { }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noSigner.StatusCode);
        }
        using (var notDone = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf"))
        {
            Assert.Equal("document_not_completed", await ProblemCodeAsync(notDone));
        }
        await AddRecipientAsync(sender, id, "A", "a@example.test");
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        using (var again = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/send", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal("document_state_conflict", await ProblemCodeAsync(again));
        }
        using (var late = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/recipients", new { name = "Late", email = "late@example.test" }))
        {
            Assert.Equal("document_not_draft", await ProblemCodeAsync(late));
        }
        var link = LinkFor(app.DataDirectory, "us", "a@example.test");
        await PostOkAsync(sender, $"/api/v1/documents/{id}/void", new { reason = "wrong version" });
        using (var twice = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/void", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
            Assert.Equal("document_state_conflict", await ProblemCodeAsync(twice));
        }
        // A voided document's link shows nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await app.Web().GetAsync($"/api/v1/signing/{link}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Fields_off_the_page_and_bad_recipients_are_refused_and_nothing_is_stored(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Fields", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Fields", SamplePdf("fields"))).GetProperty("id").GetString()!;
        var a = await AddRecipientAsync(sender, id, "A", "a@example.test");
        foreach (var field in new object[]
        {
            new { recipientId = a, kind = "signature", page = 2, x = 10, y = 10, width = 100, height = 20 },
            new { recipientId = a, kind = "signature", page = 1, x = 500, y = 10, width = 200, height = 20 },
            new { recipientId = a, kind = "signature", page = 1, x = 10, y = 830, width = 100, height = 20 },
            new { recipientId = a, kind = "signature", page = 1, x = -1, y = 10, width = 100, height = 20 },
        })
        {
            using var response = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/fields", field);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("field_off_page", await ProblemCodeAsync(response));
        }
        using (var badKind = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/fields", new { recipientId = a, kind = "stamp", page = 1, x = 1, y = 1, width = 10, height = 10 }))
        {
            Assert.Equal("validation_failed", await ProblemCodeAsync(badKind));
        }
        using (var badEmail = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/recipients", new { name = "B", email = "not an address" }))
        {
            Assert.Equal("validation_failed", await ProblemCodeAsync(badEmail));
        }
        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        Assert.Equal(0, view.GetProperty("fields").GetArrayLength());
        Assert.Equal(1, view.GetProperty("recipients").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_link_for_one_document_cannot_touch_another_and_forged_links_show_nothing(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Links", "us");
        using var sender = app.Web(org.ApiToken);
        var docA = (await UploadOkAsync(sender, "A", SamplePdf("a"))).GetProperty("id").GetString()!;
        var docB = (await UploadOkAsync(sender, "B", SamplePdf("b"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, docA, "Anna", "anna@example.test");
        var bob = await AddRecipientAsync(sender, docB, "Bob", "bob@example.test");
        var bobField = await AddFieldAsync(sender, docB, bob, "text", 100, required: false);
        await EnsureSignerFieldsAsync(sender, docA);
        await PostOkAsync(sender, $"/api/v1/documents/{docA}/send", new { });
        await EnsureSignerFieldsAsync(sender, docB);
        await PostOkAsync(sender, $"/api/v1/documents/{docB}/send", new { });
        var annaLink = LinkFor(app.DataDirectory, "us", "anna@example.test");
        using var anna = app.Web();
        var info = await anna.GetFromJsonAsync<JsonElement>($"/api/v1/signing/{annaLink}");
        Assert.Equal(docA, info.GetProperty("documentId").GetString());

        // Anna's link cannot fill Bob's field on document B.
        await anna.GetAsync($"/api/v1/signing/{annaLink}/document.pdf");
        await anna.PostAsJsonAsync($"/api/v1/signing/{annaLink}/consent", new { accept = true });
        using (var cross = await anna.PostAsJsonAsync($"/api/v1/signing/{annaLink}/sign", new { typedName = "Anna", fields = new[] { new { id = bobField, value = "hijack" } } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, cross.StatusCode);
        }
        // Forged or tampered tokens: one character changed, another region, garbage.
        var flipped = annaLink[..^1] + (annaLink[^1] == 'a' ? 'b' : 'a');
        foreach (var forged in new[] { flipped, annaLink.Replace("sgr_us_", "sgr_eu_", StringComparison.Ordinal), "sgr_us_" + new string('0', 52), "nonsense" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await anna.GetAsync($"/api/v1/signing/{forged}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await anna.GetAsync($"/api/v1/signing/{forged}/document.pdf")).StatusCode);
        }
        var bView = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{docB}");
        Assert.Equal(JsonValueKind.Null, bView.GetProperty("fields")[0].GetProperty("value").ValueKind);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_expired_document_link_shows_nothing_and_the_document_reads_expired(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Expiry", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Expiring", SamplePdf("exp"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, id, "A", "a@example.test");
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { expiresInDays = 1 });
        var link = LinkFor(app.DataDirectory, "us", "a@example.test");
        // Move the expiry into the past, as time passing would.
        var cell = app.Cells.Get("us");
        await using (var db = cell.CreateDbContext())
        {
            var doc = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Documents, d => d.Id == id);
            doc.ExpiresAt = DateTime.UtcNow.AddMinutes(-1);
            await db.SaveChangesAsync();
        }
        Assert.Equal(HttpStatusCode.NotFound, (await app.Web().GetAsync($"/api/v1/signing/{link}")).StatusCode);
        Assert.Equal("expired", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());
        using var voidExpired = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/void", new { });
        Assert.Equal("document_state_conflict", await ProblemCodeAsync(voidExpired));
    }
}
