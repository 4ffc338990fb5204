using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Templates;
using Sigill.Tests.Infrastructure;
using UglyToad.PdfPig;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// Templates in several languages on both backends: a main body and translated bodies, chosen by the request's language,
/// the row's (bulk send), the visitor's (direct links) or the organization's default; refusals store nothing.
/// </summary>
public sealed class TemplateLanguageTests(SharedApps apps) : IClassFixture<SharedApps>
{
    private const string English = "# Offer for {{ customer }}\nThank you for your order, {{ customer }}.";
    private const string Swedish = "# Offert till {{ customer }}\nTack för din beställning, {{ customer }}. Åäö.";

    private static async Task<(HttpClient Sender, string TemplateId, string OrganizationId)> TemplateAsync(SigillApp app, string orgName, string region = "eu")
    {
        var org = await app.SetUpOrganizationAsync(orgName, region);
        var sender = app.Web(org.ApiToken);
        var template = await PostOkAsync(sender, "/api/v1/templates", new { name = "Offer", body = English, variables = new[] { "customer" }, language = "en" });
        var id = template.GetProperty("id").GetString()!;
        using var put = await sender.PutAsJsonAsync($"/api/v1/templates/{id}/translations/sv", new { title = "Offert", body = Swedish });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return (sender, id, org.OrganizationId);
    }

    private static async Task<string> PdfTextAsync(HttpClient sender, string documentId)
    {
        var pdf = await sender.GetByteArrayAsync($"/api/v1/documents/{documentId}/pdf");
        using var parsed = PdfDocument.Open(pdf);
        return string.Join("\n", parsed.GetPages().Select(p => p.Text));
    }

    private static Task<JsonElement> FromTemplateAsync(HttpClient sender, string templateId, string? language) =>
        PostOkAsync(sender, "/api/v1/documents/from-template", new
        {
            templateId,
            title = "Offer to Åsa",
            variables = new Dictionary<string, string> { ["customer"] = "Åsa Öberg" },
            language,
        });

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_document_is_made_in_the_language_asked_for_else_the_organizations_and_records_it(Backend backend)
    {
        var app = await apps.For(backend);
        var (sender, templateId, _) = await TemplateAsync(app, "Acme Languages");
        using var owned = sender;

        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{templateId}");
        Assert.Equal("en", view.GetProperty("language").GetString());
        Assert.Equal(Swedish, view.GetProperty("translations").GetProperty("sv").GetProperty("body").GetString());
        Assert.Equal("Offert", view.GetProperty("translations").GetProperty("sv").GetProperty("title").GetString());
        var summary = (await sender.GetFromJsonAsync<JsonElement>("/api/v1/templates")).EnumerateArray().Single(t => t.GetProperty("id").GetString() == templateId);
        Assert.Equal(["sv"], summary.GetProperty("translations").EnumerateArray().Select(l => l.GetString()!).ToArray());

        var swedish = await FromTemplateAsync(sender, templateId, "sv");
        Assert.Equal("sv", swedish.GetProperty("language").GetString());
        var text = await PdfTextAsync(sender, swedish.GetProperty("id").GetString()!);
        Assert.Contains("Tack för din beställning, Åsa Öberg. Åäö.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Thank you", text, StringComparison.Ordinal);

        var english = await FromTemplateAsync(sender, templateId, "en");
        Assert.Equal("en", english.GetProperty("language").GetString());
        Assert.Contains("Thank you for your order, Åsa Öberg.", await PdfTextAsync(sender, english.GetProperty("id").GetString()!), StringComparison.Ordinal);

        // German: no body in it, so the main body, and the document says it is English.
        var german = await FromTemplateAsync(sender, templateId, "de");
        Assert.Equal("en", german.GetProperty("language").GetString());
        Assert.Contains("Thank you for your order", await PdfTextAsync(sender, german.GetProperty("id").GetString()!), StringComparison.Ordinal);

        // No language asked for: the organization's default.
        Assert.Equal("en", (await FromTemplateAsync(sender, templateId, null)).GetProperty("language").GetString());
        await OkJsonAsync(await sender.PatchAsJsonAsync("/api/v1/organizations/current", new { defaultLanguage = "sv" }));
        var byDefault = await FromTemplateAsync(sender, templateId, null);
        Assert.Equal("sv", byDefault.GetProperty("language").GetString());
        Assert.Contains("Tack för din beställning", await PdfTextAsync(sender, byDefault.GetProperty("id").GetString()!), StringComparison.Ordinal);

        // The preview shows a translation too.
        using (var preview = await sender.PostAsJsonAsync($"/api/v1/templates/{templateId}/preview", new { language = "sv" }))
        {
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            using var parsed = PdfDocument.Open(await preview.Content.ReadAsByteArrayAsync());
            Assert.Contains("Tack för din beställning", string.Join("\n", parsed.GetPages().Select(p => p.Text)), StringComparison.Ordinal);
        }

        // The translation removed: Swedish documents take the main body again.
        using (var deleted = await sender.DeleteAsync($"/api/v1/templates/{templateId}/translations/sv")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var again = await sender.DeleteAsync($"/api/v1/templates/{templateId}/translations/sv")) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        var afterDelete = await FromTemplateAsync(sender, templateId, "sv");
        Assert.Equal("en", afterDelete.GetProperty("language").GetString());
        Assert.False((await sender.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{templateId}")).GetProperty("translations").EnumerateObject().Any());

        // The translated body is customer content: stored encrypted, never in clear.
        Assert.Empty(await app.PlacesContainingAsync("Tack för din beställning"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Unsupported_languages_hostile_or_oversized_translations_and_undeclared_variables_are_refused_and_nothing_is_stored(Backend backend)
    {
        var app = await apps.For(backend);
        var (sender, templateId, _) = await TemplateAsync(app, "Acme Bad Translations");
        using var owned = sender;
        var before = await sender.GetStringAsync($"/api/v1/templates/{templateId}");

        async Task RefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code)
        {
            using (response)
            {
                Assert.True(response.StatusCode == status, $"{code}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                Assert.Equal(code, await ProblemCodeAsync(response));
            }
        }

        foreach (var bad in new[] { "pt", "SV", "sv-SE", "xx" })
        {
            await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/{bad}", new { body = Swedish }), HttpStatusCode.BadRequest, "language_unsupported");
            await RefusedAsync(await sender.PostAsJsonAsync("/api/v1/documents/from-template", new
            {
                templateId,
                title = "Offer",
                variables = new Dictionary<string, string> { ["customer"] = "Åsa" },
                language = bad,
            }), HttpStatusCode.BadRequest, "language_unsupported");
            await RefusedAsync(await sender.PostAsJsonAsync("/api/v1/templates", new { name = "X", body = English, variables = new[] { "customer" }, language = bad }),
                HttpStatusCode.BadRequest, "language_unsupported");
        }
        // The main body's language is not a translation.
        await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/en", new { body = English }), HttpStatusCode.Conflict, "translation_is_main_language");
        // ... nor may the main language become one a translation already has.
        await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}", new { name = "Offer", body = English, variables = new[] { "customer" }, language = "sv" }),
            HttpStatusCode.Conflict, "translation_is_main_language");
        // The same limits and sandbox as the main body.
        await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/de", new { body = new string('x', TemplateEndpoints.MaxBodyLength + 1) }),
            HttpStatusCode.BadRequest, "translation_too_large");
        await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/de", new { body = "{% for i in (1..100000000) %}x{% endfor %}" }),
            HttpStatusCode.BadRequest, "template_too_expensive");
        await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/de",
                new { body = string.Concat(Enumerable.Repeat("{% if true %}", 5000)) + string.Concat(Enumerable.Repeat("{% endif %}", 5000)) }),
            HttpStatusCode.BadRequest, "template_too_expensive");
        await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/de", new { body = "{% include 'x' %}" }), HttpStatusCode.BadRequest, "template_tag_not_allowed");
        await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/de", new { body = "Hallo {{ secret }}" }), HttpStatusCode.BadRequest, "template_variable_unknown");
        await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/de", new { body = "" }), HttpStatusCode.BadRequest, "validation_failed");
        await RefusedAsync(await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/de", new { title = new string('t', 201), body = "Hallo" }), HttpStatusCode.BadRequest, "validation_failed");
        // A variable the Swedish body uses cannot be dropped from the template while that body uses it.
        using (var update = await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}", new { name = "Offer", body = "# Offer", variables = Array.Empty<string>() }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, update.StatusCode);
            var problem = await update.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("template_variable_unknown", problem.GetProperty("code").GetString());
            Assert.Equal("sv", problem.GetProperty("language").GetString());
        }
        Assert.Equal(before, await sender.GetStringAsync($"/api/v1/templates/{templateId}"));

        // Another organization's template: not found, for translations and documents alike.
        using var other = app.Web((await app.SetUpOrganizationAsync("Other Languages Org", "eu")).ApiToken);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/de", new { body = "Hallo" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/v1/templates/{templateId}/translations/sv")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync("/api/v1/documents/from-template", new
        {
            templateId,
            title = "Offer",
            variables = new Dictionary<string, string> { ["customer"] = "Åsa" },
            language = "sv",
        })).StatusCode);
        Assert.Equal(before, await sender.GetStringAsync($"/api/v1/templates/{templateId}"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_direct_link_makes_the_document_in_the_visitors_language(Backend backend)
    {
        var app = await apps.For(backend);
        var (sender, templateId, _) = await TemplateAsync(app, "Acme Direct Languages");
        using var owned = sender;
        var link = await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links",
            new { title = "Offer", variables = new Dictionary<string, string> { ["customer"] = "Åsa Öberg" } });
        var token = link.GetProperty("token").GetString()!;
        using var person = app.Web();
        using (var bad = await person.PostAsJsonAsync($"/api/v1/direct/{token}/start", new { name = "Pia", email = "pia@example.test", language = "pt" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("language_unsupported", await ProblemCodeAsync(bad));
        }
        await PostOkAsync(person, $"/api/v1/direct/{token}/start", new { name = "Sven", email = "sven@example.test", language = "sv" });
        await PostOkAsync(person, $"/api/v1/direct/{token}/start", new { name = "Eve", email = "eve@example.test" });

        var documents = (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents")).EnumerateArray().Select(d => d.GetProperty("id").GetString()!).ToList();
        Assert.Equal(2, documents.Count);
        var views = new List<JsonElement>();
        foreach (var id in documents) views.Add(await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}"));
        var sven = views.Single(v => v.GetProperty("recipients")[0].GetProperty("email").GetString() == "sven@example.test");
        Assert.Equal("sv", sven.GetProperty("language").GetString());
        Assert.Equal("sv", sven.GetProperty("recipients")[0].GetProperty("language").GetString());
        Assert.Contains("Tack för din beställning, Åsa Öberg.", await PdfTextAsync(sender, sven.GetProperty("id").GetString()!), StringComparison.Ordinal);
        var eve = views.Single(v => v.GetProperty("recipients")[0].GetProperty("email").GetString() == "eve@example.test");
        Assert.Equal("en", eve.GetProperty("language").GetString());
        Assert.Contains("Thank you for your order, Åsa Öberg.", await PdfTextAsync(sender, eve.GetProperty("id").GetString()!), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_bulk_send_row_is_made_in_its_language_column_and_its_recipients_speak_it(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, "{" + AppJobs.Config + "}");
        var (sender, templateId, orgId) = await TemplateAsync(app, "Acme Bulk Languages");
        using var owned = sender;
        var jobs = new AppJobs(app, "eu");
        var csv = Encoding.UTF8.GetBytes("name,email,customer,language\r\n" +
            "Sven,sven@example.com,Sven AB,sv\r\n" +
            "Ada,ada@example.com,Ada Ltd,\r\n" +
            "Pia,pia@example.com,Pia SA,pt\r\n");
        MultipartFormDataContent Form()
        {
            var form = new MultipartFormDataContent { { new StringContent(templateId), "templateId" } };
            var file = new ByteArrayContent(csv);
            file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            form.Add(file, "file", "rows.csv");
            return form;
        }
        using (var form = Form())
        {
            var preview = await OkJsonAsync(await sender.PostAsync("/api/v1/bulk-sends/preview", form));
            Assert.Equal("document language", preview.GetProperty("columns")[3].GetProperty("target").GetString());
            var errors = preview.GetProperty("errors").EnumerateArray().ToList();
            Assert.Equal(3, errors.Single().GetProperty("row").GetInt32());
            Assert.Equal("language", errors.Single().GetProperty("errors")[0].GetProperty("column").GetString());
        }
        string id;
        using (var form = Form())
        {
            using var created = await sender.PostAsync("/api/v1/bulk-sends", form);
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            id = (await OkJsonAsync(created)).GetProperty("id").GetString()!;
        }
        for (var i = 0; i < 50 && await jobs.DrainAsync() > 0; i++)
        {
        }
        var rows = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/bulk-sends/{id}/rows")).EnumerateArray().ToList();
        Assert.Equal(["sent", "sent", "skipped"], rows.OrderBy(r => r.GetProperty("row").GetInt32()).Select(r => r.GetProperty("status").GetString()!).ToArray());
        JsonElement DocumentOf(int row) => rows.Single(r => r.GetProperty("row").GetInt32() == row);
        var sven = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{DocumentOf(1).GetProperty("documentId").GetString()}");
        Assert.Equal("sv", sven.GetProperty("language").GetString());
        Assert.Equal("Offert", sven.GetProperty("title").GetString()); // the translation's title: no title column, no bulk title
        Assert.Equal("sv", sven.GetProperty("recipients")[0].GetProperty("language").GetString());
        Assert.Contains("Tack för din beställning, Sven AB.", await PdfTextAsync(sender, sven.GetProperty("id").GetString()!), StringComparison.Ordinal);
        var ada = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{DocumentOf(2).GetProperty("documentId").GetString()}");
        Assert.Equal("en", ada.GetProperty("language").GetString());
        Assert.Equal("Offer", ada.GetProperty("title").GetString());
        Assert.Contains("Thank you for your order, Ada Ltd.", await PdfTextAsync(sender, ada.GetProperty("id").GetString()!), StringComparison.Ordinal);

        // The Swedish recipient's invitation is in Swedish (the e-mails follow the recipient's language).
        var invitation = await Outbox.WaitForAsync(app.DataDirectory, "eu", "sven@example.com", "Underteckna ”Offert”");
        Assert.Contains("<html lang=\"sv\">", invitation.Html, StringComparison.Ordinal);

        await using var db = app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(2, await db.Documents.CountAsync(d => d.OrganizationId == orgId && d.Status == "sent"));
    }
}
