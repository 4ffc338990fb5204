using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Tests.Infrastructure;
using UglyToad.PdfPig;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// What the sender's pages need from the API besides create and send: templates listed, edited and previewed;
/// documents found by status and title; recipients and fields taken off a draft (and only a draft, and only one's own).
/// On both backends, one app per backend for the class: each test makes its own organizations.
/// </summary>
public sealed class DraftEditingTests(SharedApps apps) : IClassFixture<SharedApps>
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_template_is_listed_edited_and_previewed_without_storing_a_document(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Edit", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await PostOkAsync(sender, "/api/v1/templates", new { name = "Offer", body = "Hello {{ client }}.\n\n{{ pricing_table }}", variables = new[] { "client" } }))
            .GetProperty("id").GetString()!;

        var list = await OkJsonAsync(await sender.GetAsync("/api/v1/templates"));
        var listed = Assert.Single(list.EnumerateArray());
        Assert.Equal("Offer", listed.GetProperty("name").GetString());
        Assert.Equal("client", listed.GetProperty("variables")[0].GetString());

        // A broken body is refused with the renderer's message, and the stored template stays as it was.
        using var broken = await sender.PutAsJsonAsync($"/api/v1/templates/{id}", new { name = "Offer", body = "Hello {{ client }", variables = new[] { "client" } });
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        using var undeclared = await sender.PutAsJsonAsync($"/api/v1/templates/{id}", new { name = "Offer", body = "Hello {{ customer }}", variables = new[] { "client" } });
        Assert.Equal(HttpStatusCode.BadRequest, undeclared.StatusCode);
        Assert.Contains("customer", (await undeclared.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal("Hello {{ client }}.\n\n{{ pricing_table }}", (await OkJsonAsync(await sender.GetAsync($"/api/v1/templates/{id}"))).GetProperty("body").GetString());

        using var edited = await sender.PutAsJsonAsync($"/api/v1/templates/{id}", new { name = "Offer v2", body = "Dear {{ client }} and {{ partner }}: Grüße €.", variables = new[] { "client", "partner" } });
        var view = await OkJsonAsync(edited);
        Assert.Equal("Offer v2", view.GetProperty("name").GetString());
        Assert.NotEqual(JsonValueKind.Null, view.GetProperty("updatedAt").ValueKind);

        // The preview is the PDF a document would get; unset variables show as [name]. Nothing is stored.
        using var preview = await sender.PostAsJsonAsync($"/api/v1/templates/{id}/preview", new { variables = new Dictionary<string, string> { ["client"] = "Åsa Öberg" } });
        Assert.Equal("application/pdf", preview.Content.Headers.ContentType?.MediaType);
        using (var pdf = PdfDocument.Open(await preview.Content.ReadAsByteArrayAsync()))
        {
            var text = string.Concat(pdf.GetPages().Select(p => p.Text));
            Assert.Contains("Åsa Öberg", text, StringComparison.Ordinal);
            Assert.Contains("[partner]", text, StringComparison.Ordinal);
            Assert.Contains("Grüße €", text, StringComparison.Ordinal);
        }
        Assert.Empty((await OkJsonAsync(await sender.GetAsync("/api/v1/documents"))).EnumerateArray());
        using var badPricing = await sender.PostAsJsonAsync($"/api/v1/templates/{id}/preview", new { pricing = new { currency = "EUR", items = new[] { new { description = "x", quantity = -1, unitPrice = 1 } } } });
        Assert.Equal("pricing_invalid", await ProblemCodeAsync(badPricing));

        // Another organization sees none of it.
        var other = await app.SetUpOrganizationAsync("Other Edit", "eu");
        using var stranger = app.Web(other.ApiToken);
        Assert.Empty((await OkJsonAsync(await stranger.GetAsync("/api/v1/templates"))).EnumerateArray());
        using var foreignPut = await stranger.PutAsJsonAsync($"/api/v1/templates/{id}", new { name = "Mine", body = "x", variables = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.NotFound, foreignPut.StatusCode);
        using var foreignPreview = await stranger.PostAsJsonAsync($"/api/v1/templates/{id}/preview", new { });
        Assert.Equal(HttpStatusCode.NotFound, foreignPreview.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Documents_are_found_by_status_and_by_a_word_of_their_encrypted_title(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Find", "us");
        using var sender = app.Web(org.ApiToken);
        var draft = (await UploadOkAsync(sender, "Lease Osprey-31", SamplePdf("a"))).GetProperty("id").GetString()!;
        var sent = (await UploadOkAsync(sender, "Offer Osprey-32", SamplePdf("b"))).GetProperty("id").GetString()!;
        await UploadOkAsync(sender, "Invoice Wren-9", SamplePdf("c"));
        var r = await AddRecipientAsync(sender, sent, "Ann", "ann@example.test");
        await AddFieldAsync(sender, sent, r, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{sent}/send", new { expiresInDays = 3 });

        static string[] Ids(JsonElement list) => [.. list.EnumerateArray().Select(d => d.GetProperty("id").GetString()!)];
        Assert.Equal(3, Ids(await OkJsonAsync(await sender.GetAsync("/api/v1/documents"))).Length);
        Assert.Equal([sent, draft], Ids(await OkJsonAsync(await sender.GetAsync("/api/v1/documents?q=osprey"))));
        Assert.Equal([sent], Ids(await OkJsonAsync(await sender.GetAsync("/api/v1/documents?status=sent&q=OSPREY"))));
        Assert.Empty(Ids(await OkJsonAsync(await sender.GetAsync("/api/v1/documents?status=completed"))));
        using var badStatus = await sender.GetAsync("/api/v1/documents?status=signed-ish");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Contains("draft, sent", await badStatus.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Recipients_and_fields_come_off_a_draft_only_and_only_the_senders_own(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Remove", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Contract Remove", SamplePdf("x"))).GetProperty("id").GetString()!;
        var ann = await AddRecipientAsync(sender, id, "Ann", "ann@example.test");
        var bo = await AddRecipientAsync(sender, id, "Bo", "bo@example.test");
        var annSig = await AddFieldAsync(sender, id, ann, "signature", 100);
        await AddFieldAsync(sender, id, ann, "text", 200);
        var boSig = await AddFieldAsync(sender, id, bo, "signature", 300);

        var other = await app.SetUpOrganizationAsync("Other Remove", "eu");
        using var stranger = app.Web(other.ApiToken);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"/api/v1/documents/{id}/fields/{annSig}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"/api/v1/documents/{id}/recipients/{ann}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await sender.DeleteAsync($"/api/v1/documents/{id}/fields/fld_eu_nothing")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await sender.DeleteAsync($"/api/v1/documents/{id}/fields/{boSig}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await sender.DeleteAsync($"/api/v1/documents/{id}/recipients/{ann}")).StatusCode); // with Ann's two fields
        var doc = await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}"));
        Assert.Equal(bo, Assert.Single(doc.GetProperty("recipients").EnumerateArray()).GetProperty("id").GetString());
        Assert.Empty(doc.GetProperty("fields").EnumerateArray());
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            Assert.Equal(0, await db.DocumentFields.CountAsync(f => f.DocumentId == id));
        }

        var field = await AddFieldAsync(sender, id, bo, "signature", 300);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { expiresInDays = 3 });
        using var late = await sender.DeleteAsync($"/api/v1/documents/{id}/fields/{field}");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("document_not_draft", await ProblemCodeAsync(late));
        using var lateRecipient = await sender.DeleteAsync($"/api/v1/documents/{id}/recipients/{bo}");
        Assert.Equal("document_not_draft", await ProblemCodeAsync(lateRecipient));
        Assert.Single((await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}"))).GetProperty("fields").EnumerateArray());
    }
}
