using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Documents;
using Sigill.Tests.Infrastructure;
using UglyToad.PdfPig;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// What a signer meets and what the evidence says about them: fields the sender labels (checkboxes optional unless
/// said otherwise), dates the signing fills in, the field placement kept in sight after sending, the document list's
/// "waiting on", and a certificate in plain words that names who did what, how each signer was authenticated and the
/// browser they signed with.
/// </summary>
public sealed class SignerExperienceTests(SharedApps apps) : IClassFixture<SharedApps>
{
    [Fact]
    public async Task Labels_are_the_senders_words_checkboxes_are_optional_by_default_and_bad_labels_change_nothing()
    {
        var app = await apps.For(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Acme Labels", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Labelled agreement", SamplePdf("labels"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(sender, id, "Ada", "ada.labels@example.test");
        var box = await PostOkAsync(sender, $"/api/v1/documents/{id}/fields", new { recipientId = ada, kind = "checkbox", page = 1, x = 60, y = 100, width = 20, height = 20, label = "I have read the terms" });
        var text = await PostOkAsync(sender, $"/api/v1/documents/{id}/fields", new { recipientId = ada, kind = "text", page = 1, x = 60, y = 140, width = 200, height = 30 });
        var dated = await PostOkAsync(sender, $"/api/v1/documents/{id}/fields", new { recipientId = ada, kind = "date", page = 1, x = 60, y = 180, width = 120, height = 30, fillSigningDate = true, label = "Signed on" });
        Assert.False(box.GetProperty("required").GetBoolean());
        Assert.Equal("I have read the terms", box.GetProperty("label").GetString());
        Assert.True(text.GetProperty("required").GetBoolean());
        Assert.Equal(JsonValueKind.Null, text.GetProperty("label").ValueKind);
        Assert.False(dated.GetProperty("required").GetBoolean());
        Assert.True(dated.GetProperty("fillSigningDate").GetBoolean());

        foreach (var bad in new object[]
        {
            new { recipientId = ada, kind = "text", page = 1, x = 60, y = 300, width = 200, height = 30, label = "two\nlines" },
            new { recipientId = ada, kind = "text", page = 1, x = 60, y = 300, width = 200, height = 30, label = new string('x', 101) },
            new { recipientId = ada, kind = "text", page = 1, x = 60, y = 300, width = 200, height = 30, label = "hidden\u202Eorder" },
            new { recipientId = ada, kind = "text", page = 1, x = 60, y = 300, width = 200, height = 30, fillSigningDate = true },
        })
        {
            using var refused = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/fields", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        Assert.Equal(3, (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("fields").GetArrayLength());

        // The sender relabels, requires and moves a placed field; a move off the page changes nothing.
        var boxId = box.GetProperty("id").GetString()!;
        using (var changed = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{boxId}", new { label = "I accept the terms", required = true, page = 1, x = 300, y = 500 }))
        {
            var field = await OkJsonAsync(changed);
            Assert.Equal("I accept the terms", field.GetProperty("label").GetString());
            Assert.True(field.GetProperty("required").GetBoolean());
            Assert.Equal(300, field.GetProperty("x").GetDouble());
        }
        using (var off = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{boxId}", new { x = 5000 }))
        {
            Assert.Equal("field_off_page", await ProblemCodeAsync(off));
        }
        using (var dateRequired = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{dated.GetProperty("id").GetString()}", new { required = true }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, dateRequired.StatusCode);
        }
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        using (var late = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{boxId}", new { label = "changed after sending" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        }

        // The label is customer content: stored encrypted, never in clear.
        await using var db = app.Cells.Get("us").CreateDbContext();
        var stored = await db.DocumentFields.AsNoTracking().SingleAsync(f => f.Id == boxId);
        Assert.DoesNotContain("accept the terms", stored.LabelToken!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_signer_sees_the_labels_and_the_signing_fills_in_the_date_whatever_was_sent_for_it()
    {
        var app = await apps.For(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Acme Dates", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Dated agreement", SamplePdf("dates"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(sender, id, "Ada", "ada.dates@example.test");
        var dated = (await PostOkAsync(sender, $"/api/v1/documents/{id}/fields", new { recipientId = ada, kind = "date", page = 1, x = 60, y = 180, width = 120, height = 30, fillSigningDate = true })).GetProperty("id").GetString()!;
        var optional = (await PostOkAsync(sender, $"/api/v1/documents/{id}/fields", new { recipientId = ada, kind = "checkbox", page = 1, x = 60, y = 220, width = 20, height = 20, label = "Send me the newsletter" })).GetProperty("id").GetString()!;
        await AddFieldAsync(sender, id, ada, "signature", 300);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "us", "ada.dates@example.test");

        using (var browser = app.Web())
        {
            (await browser.GetAsync($"/s/{link}")).Dispose(); // the link opens a recipient session and goes on to /s
            var page = await browser.GetStringAsync("/s");
            (await browser.PostAsync("/s?handler=Consent", Form(page))).Dispose();
            page = await browser.GetStringAsync("/s");
            Assert.Contains("Send me the newsletter (page 1), optional", page, StringComparison.Ordinal);
            Assert.Contains("filled in with the day you sign", page, StringComparison.Ordinal);
            Assert.DoesNotContain($"name=\"Fields[{dated}]\"", page, StringComparison.Ordinal); // nothing to type
            Assert.Contains("id=\"typed-preview\"", page, StringComparison.Ordinal);
        }

        var signed = await SignAsync(app, link, new { typedName = "Ada Lovelace", fields = new[] { new { id = dated, value = "1999-01-01" } } });
        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());
        var fields = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("fields").EnumerateArray().ToList();
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            fields.Single(f => f.GetProperty("id").GetString() == dated).GetProperty("value").GetString());
        Assert.Equal(JsonValueKind.Null, fields.Single(f => f.GetProperty("id").GetString() == optional).GetProperty("value").ValueKind);
    }

    [Fact]
    public async Task The_certificate_says_in_plain_words_who_did_what_how_each_signer_was_authenticated_and_with_which_browser()
    {
        var app = await apps.For(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Acme Evidence", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Evidence agreement", SamplePdf("evidence"))).GetProperty("id").GetString()!;
        var grace = (await PostOkAsync(sender, $"/api/v1/documents/{id}/recipients",
            new { name = "Grace Hopper", email = "grace.evidence@example.test", stepUp = "access_code", accessCode = "tulip-4711" })).GetProperty("id").GetString()!;
        await AddFieldAsync(sender, id, grace, "signature", 300);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "us", "grace.evidence@example.test");

        // Through the web tier's pages, as a browser would: a wrong code first, then the right one, then signing.
        using var browser = app.Web();
        browser.DefaultRequestHeaders.UserAgent.ParseAdd("EvidenceBrowser/7.1");
        using (var opened = await browser.GetAsync($"/s/{link}"))
        {
            Assert.True(opened.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect or HttpStatusCode.Found);
        }
        var gate = await browser.GetStringAsync("/s");
        (await browser.PostAsync("/s?handler=Verify", Form(gate, [("Code", "wrong-code")]))).Dispose();
        (await browser.PostAsync("/s?handler=Verify", Form(gate, [("Code", "tulip-4711")]))).Dispose();
        var signPage = await browser.GetStringAsync("/s");
        if (signPage.Contains("handler=Consent", StringComparison.Ordinal))
        {
            (await browser.PostAsync("/s?handler=Consent", Form(signPage, [("Accept", "true")]))).Dispose();
            signPage = await browser.GetStringAsync("/s");
        }
        (await browser.GetAsync("/s/document.pdf")).Dispose(); // read before signing, as the page's viewer does
        using (var signed = await browser.PostAsync("/s?handler=Sign", Form(signPage, [("SignatureMode", "type"), ("TypedName", "Grace Hopper")])))
        {
            Assert.True(signed.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect or HttpStatusCode.Found, await signed.Content.ReadAsStringAsync());
        }

        var text = await CertificateTextAsync(sender, id);
        Assert.Contains("authenticated by the link e-mailed to them and the access code the sender gave them", text, StringComparison.Ordinal);
        Assert.Contains("User agent: EvidenceBrowser/7.1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("User agent: unknown", text, StringComparison.Ordinal);
        Assert.Contains("Entered a wrong code — Grace Hopper", text, StringComparison.Ordinal);
        Assert.Contains("Signed — Grace Hopper", text, StringComparison.Ordinal);
        Assert.Contains("Sent for signing —", text, StringComparison.Ordinal);
        Assert.Contains("[step_up.failed, ", text, StringComparison.Ordinal); // the code stays beside the words
    }

    [Fact]
    public async Task The_document_list_says_whose_turn_it_is_and_the_placement_stays_visible_after_sending()
    {
        var app = await apps.For(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Acme Turns", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Turn-taking agreement", SamplePdf("turns"))).GetProperty("id").GetString()!;
        var first = await AddRecipientAsync(sender, id, "First Signer", "first.turns@example.test", order: 1);
        var second = await AddRecipientAsync(sender, id, "Second Signer", "second.turns@example.test", order: 2);
        await AddFieldAsync(sender, id, first, "signature", 100);
        await AddFieldAsync(sender, id, second, "signature", 200);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        Assert.Equal(["First Signer"], await WaitingOnAsync());
        await SignAsync(app, LinkFor(app.DataDirectory, "us", "first.turns@example.test"), new { typedName = "First Signer" });
        Assert.Equal(["Second Signer"], await WaitingOnAsync());

        async Task<string[]> WaitingOnAsync()
        {
            var list = await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents");
            var doc = list.EnumerateArray().Single(d => d.GetProperty("id").GetString() == id);
            return [.. doc.GetProperty("waitingOn").EnumerateArray().Select(n => n.GetString()!)];
        }
    }

    private static async Task<string> CertificateTextAsync(HttpClient sender, string id)
    {
        var sealedPdf = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
        using var pdf = PdfDocument.Open(sealedPdf);
        return string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }
}
