using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Pdf;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// The field kinds of ADR 0018 (number, e-mail, name, dropdown, radio) and conditions, through the public API on both
/// backends: bad definitions are refused with their code and change nothing, every submitted value is checked by the
/// server, hidden fields are neither required nor stored, and the values end up in the sealed PDF's text.
/// </summary>
public sealed class FieldKindsTests(SharedApps apps) : IClassFixture<SharedApps>
{
    private static object Field(string recipientId, string kind, double y, object? settings = null, string? label = null, bool? required = null) =>
        new { recipientId, kind, page = 1, x = 60, y, width = 220, height = 24, label, required, settings };

    private static async Task<string> PlaceAsync(HttpClient sender, string documentId, object field) =>
        (await PostOkAsync(sender, $"/api/v1/documents/{documentId}/fields", field)).GetProperty("id").GetString()!;

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Bad_field_definitions_are_refused_with_their_code_and_nothing_is_stored(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Definitions", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Order form", SamplePdf("order"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(sender, id, "Ada", "ada.definitions@example.test");
        var bo = await AddRecipientAsync(sender, id, "Bo", "bo.definitions@example.test");
        var plan = await PlaceAsync(sender, id, Field(ada, "dropdown", 100, new { options = new[] { "  Basic ", "Team", "Enterprise", "Café" } }, "Plan"));
        var company = await PlaceAsync(sender, id, Field(ada, "checkbox", 140, label: "Company purchase"));
        var sites = await PlaceAsync(sender, id, Field(ada, "number", 180, new { min = 1, max = 500, condition = new { field = plan, equals = "Enterprise" } }, "Sites"));
        var boBox = await PlaceAsync(sender, id, Field(bo, "checkbox", 220));

        var cases = new (object Body, string Code)[]
        {
            (Field(ada, "number", 300, new { options = new[] { "1" } }), "field_settings_invalid"),
            (Field(ada, "number", 300, new { min = 10, max = 1 }), "field_settings_invalid"),
            (Field(ada, "number", 300, new { decimals = 7 }), "field_settings_invalid"),
            (Field(ada, "number", 300, new { min = 0.5 }), "field_settings_invalid"), // whole numbers, a half as the minimum
            (Field(ada, "number", 300, new { max = 1e13 }), "field_settings_invalid"),
            (Field(ada, "text", 300, new { min = 1 }), "field_settings_invalid"),
            (Field(ada, "email", 300, new { options = new[] { "a" } }), "field_settings_invalid"),
            (Field(ada, "dropdown", 300), "field_settings_invalid"),
            (Field(ada, "dropdown", 300, new { options = Array.Empty<string>() }), "field_settings_invalid"),
            (Field(ada, "radio", 300, new { options = Enumerable.Range(1, 51).Select(i => $"Option {i}").ToArray() }), "field_settings_invalid"),
            (Field(ada, "radio", 300, new { options = new[] { new string('x', 201) } }), "field_settings_invalid"),
            (Field(ada, "radio", 300, new { options = new[] { "Yes", " yes" } }), "field_settings_invalid"),
            (Field(ada, "radio", 300, new { options = new[] { "Yes", "  " } }), "field_settings_invalid"),
            (Field(ada, "radio", 300, new { options = new[] { "Yes", "שלום" } }), "field_option_unsupported"),
            (Field(ada, "dropdown", 300, new { options = new[] { "نعم" } }), "field_option_unsupported"),
            (Field(ada, "dropdown", 300, new { options = new[] { "a\u0332b" } }), "field_option_unsupported"), // a combining low line has no composed form
            (Field(ada, "text", 300, new { condition = new { field = "fld_eu_doesnotexist", equals = "true" } }), "field_condition_invalid"),
            (Field(ada, "text", 300, new { condition = new { field = boBox, equals = "true" } }), "field_condition_invalid"),
            (Field(ada, "text", 300, new { condition = new { field = sites, equals = "3" } }), "field_condition_invalid"),
            (Field(ada, "text", 300, new { condition = new { field = plan, equals = "Gold" } }), "field_condition_invalid"),
            (Field(ada, "text", 300, new { condition = new { field = company, equals = "yes" } }), "field_condition_invalid"),
            (Field(ada, "signature", 300, new { condition = new { field = company, equals = "true" } }), "field_condition_invalid"),
        };
        foreach (var (body, code) in cases)
        {
            using var refused = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/fields", body);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)}: {(int)refused.StatusCode}");
            Assert.Equal(code, await ProblemCodeAsync(refused));
        }

        // Changes that would break a condition: a circle, options without the value another field waits for, removing what it names.
        using (var circle = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{plan}",
            new { settings = new { options = new[] { "Basic", "Team", "Enterprise" }, condition = new { field = plan, equals = "Team" } } }))
        {
            Assert.Equal("field_condition_cycle", await ProblemCodeAsync(circle));
        }
        var region = await PlaceAsync(sender, id, Field(ada, "radio", 260, new { options = new[] { "EU", "US" }, condition = new { field = plan, equals = "Team" } }, "Region"));
        using (var loop = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{plan}",
            new { settings = new { options = new[] { "Basic", "Team", "Enterprise" }, condition = new { field = region, equals = "EU" } } }))
        {
            Assert.Equal("field_condition_cycle", await ProblemCodeAsync(loop));
        }
        using (var dropped = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{plan}", new { settings = new { options = new[] { "Basic", "Team" } } }))
        {
            Assert.Equal("field_condition_invalid", await ProblemCodeAsync(dropped));
        }
        using (var removed = await sender.DeleteAsync($"/api/v1/documents/{id}/fields/{plan}"))
        {
            Assert.Equal("field_condition_invalid", await ProblemCodeAsync(removed));
        }

        // Nothing of the refusals was stored; what was accepted reads back normalized.
        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        var fields = view.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!);
        Assert.Equal(5, fields.Count);
        Assert.Equal(["Basic", "Team", "Enterprise", "Café"], fields[plan].GetProperty("settings").GetProperty("options").EnumerateArray().Select(o => o.GetString()!).ToArray());
        Assert.False(fields[plan].GetProperty("settings").TryGetProperty("condition", out var none) && none.ValueKind != JsonValueKind.Null);
        var condition = fields[sites].GetProperty("settings").GetProperty("condition");
        Assert.Equal(plan, condition.GetProperty("field").GetString());
        Assert.Equal("Enterprise", condition.GetProperty("equals").GetString());
        Assert.Equal(500m, fields[sites].GetProperty("settings").GetProperty("max").GetDecimal());
        Assert.Equal(JsonValueKind.Null, fields[company].GetProperty("settings").ValueKind);

        // A duplicate keeps the conditions, pointing at its own fields.
        var copy = await PostOkAsync(sender, $"/api/v1/documents/{id}/duplicate", new { });
        var copied = copy.GetProperty("fields").EnumerateArray().ToList();
        var copiedPlan = copied.Single(f => f.GetProperty("kind").GetString() == "dropdown").GetProperty("id").GetString();
        var copiedSites = copied.Single(f => f.GetProperty("kind").GetString() == "number");
        Assert.Equal(copiedPlan, copiedSites.GetProperty("settings").GetProperty("condition").GetProperty("field").GetString());

        // The options are customer content: stored encrypted, never in clear.
        await using var db = app.Cells.Get("eu").CreateDbContext();
        var stored = await db.DocumentFields.AsNoTracking().SingleAsync(f => f.Id == plan);
        Assert.NotNull(stored.SettingsToken);
        Assert.DoesNotContain("Enterprise", stored.SettingsToken!, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Every_value_is_checked_by_the_server_hidden_fields_are_not_stored_and_the_sealed_pdf_shows_the_values(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Values", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Subscription order", SamplePdf("subscription"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(sender, id, "Ada Lovelace", "ada.values@example.test");
        var bo = await AddRecipientAsync(sender, id, "Bo Countersign", "bo.values@example.test");
        await AddFieldAsync(sender, id, ada, "signature", 40);
        var seats = await PlaceAsync(sender, id, Field(ada, "number", 80, new { min = 1, max = 100, decimals = 2 }, "Seats"));
        var email = await PlaceAsync(sender, id, Field(ada, "email", 120, label: "Billing e-mail"));
        var name = await PlaceAsync(sender, id, Field(ada, "name", 160, label: "Full name"));
        var plan = await PlaceAsync(sender, id, Field(ada, "dropdown", 200, new { options = new[] { "Basic", "Team", "Enterprise" } }, "Plan"));
        var billing = await PlaceAsync(sender, id, Field(ada, "radio", 240, new { options = new[] { "Monthly", "Annual" } }, "Billing"));
        var company = await PlaceAsync(sender, id, Field(ada, "checkbox", 280, label: "Company purchase"));
        var vat = await PlaceAsync(sender, id, Field(ada, "text", 320, new { condition = new { field = company, equals = "true" } }, "VAT number"));
        var sites = await PlaceAsync(sender, id, Field(ada, "number", 360, new { condition = new { field = plan, equals = "Enterprise" } }, "Sites"));
        var boNote = await PlaceAsync(sender, id, Field(bo, "text", 400, label: "Countersigner's note"));
        await AddFieldAsync(sender, id, bo, "signature", 440);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", "ada.values@example.test");

        using var recipient = app.Web();
        var signing = await recipient.GetFromJsonAsync<JsonElement>($"/api/v1/signing/{link}");
        var offered = signing.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("ada.values@example.test", offered[email]); // pre-filled from the recipient
        Assert.Equal("Ada Lovelace", offered[name]);
        (await recipient.GetAsync($"/api/v1/signing/{link}/document.pdf")).Dispose();
        (await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })).Dispose();

        var good = new Dictionary<string, string>
        {
            [seats] = "042.50", [email] = "billing@ada.example", [name] = "Ada King, Countess of Lovelace", [plan] = "Team", [billing] = "Annual",
            [company] = "true", [vat] = "SE556677-8899",
        };
        async Task<string> RefusedAsync(Dictionary<string, string> values)
        {
            using var response = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/sign",
                new { typedName = "Ada Lovelace", fields = values.Select(v => new { id = v.Key, value = v.Value }).ToArray() });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return await ProblemCodeAsync(response);
        }
        Dictionary<string, string> With(string field, string? value)
        {
            var changed = new Dictionary<string, string>(good);
            if (value is null) changed.Remove(field); else changed[field] = value;
            return changed;
        }
        Assert.Equal("field_value_invalid", await RefusedAsync(With(seats, "100.01"))); // above the maximum
        Assert.Equal("field_value_invalid", await RefusedAsync(With(seats, "0")));      // below the minimum
        Assert.Equal("field_value_invalid", await RefusedAsync(With(seats, "1.234"))); // three decimals, two allowed
        Assert.Equal("field_value_invalid", await RefusedAsync(With(seats, "1,5")));   // a comma is not the point
        Assert.Equal("field_value_invalid", await RefusedAsync(With(seats, "1e2")));
        Assert.Equal("field_value_invalid", await RefusedAsync(With(email, "not-an-address")));
        Assert.Equal("field_value_invalid", await RefusedAsync(With(email, "a@example.test, b@example.test")));
        Assert.Equal("field_value_invalid", await RefusedAsync(With(plan, "Gold")));
        Assert.Equal("field_value_invalid", await RefusedAsync(With(plan, "team")));   // options match exactly
        Assert.Equal("field_value_invalid", await RefusedAsync(With(billing, "Weekly")));
        Assert.Equal("signing_fields_missing", await RefusedAsync(With(billing, null)));
        Assert.Equal("signing_fields_missing", await RefusedAsync(With(vat, null)));    // shown (ticked) and required
        Assert.Equal("field_hidden", await RefusedAsync(With(sites, "3")));             // shown only for Enterprise
        Assert.Equal("field_hidden", await RefusedAsync(With(company, null)));          // the VAT number hides with the box
        Assert.Equal("field_not_yours", await RefusedAsync(With(boNote, "hijack")));    // another signer's field
        Assert.Equal("field_not_yours", await RefusedAsync(With("fld_eu_nosuchfield", "x")));

        // Nothing of the refusals was stored: Ada has not signed and no value is kept.
        var before = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        Assert.Equal("notified", before.GetProperty("recipients").EnumerateArray().Single(r => r.GetProperty("id").GetString() == ada).GetProperty("status").GetString());
        Assert.All(before.GetProperty("fields").EnumerateArray(), f => Assert.Equal(JsonValueKind.Null, f.GetProperty("value").ValueKind));

        // Without the box ticked, the VAT number is hidden: not required, not stored. With Enterprise, Sites is required.
        Assert.Equal("signing_fields_missing", await RefusedAsync(new Dictionary<string, string>(With(company, null).Where(v => v.Key != vat)) { [plan] = "Enterprise" }));
        await PostOkAsync(recipient, $"/api/v1/signing/{link}/sign",
            new { typedName = "Ada Lovelace", fields = good.Select(v => new { id = v.Key, value = v.Value }).ToArray() });
        var boLink = LinkFor(app.DataDirectory, "eu", "bo.values@example.test");
        var done = await SignAsync(app, boLink, new { typedName = "Bo Countersign", fields = new[] { new { id = boNote, value = "Approved-Koala-77" } } });
        Assert.Equal("completed", done.GetProperty("documentStatus").GetString());

        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        var values = view.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("42.50", values[seats]); // the number as the evidence keeps it: invariant, leading zeros gone
        Assert.Equal("billing@ada.example", values[email]);
        Assert.Equal("Ada King, Countess of Lovelace", values[name]);
        Assert.Equal("Team", values[plan]);
        Assert.Equal("Annual", values[billing]);
        Assert.Equal("SE556677-8899", values[vat]);
        Assert.Null(values[sites]); // hidden: not stored

        using var download = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf");
        var sealedPdf = await download.Content.ReadAsByteArrayAsync();
        var rootPem = await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem");
        using var root = X509Certificate2.CreateFromPem(rootPem);
        var report = PdfSignatureVerifier.Verify(sealedPdf, [root]);
        Assert.True(report.IsValid, string.Join("; ", report.Signatures.SelectMany(s => s.Problems)));
        var path = Path.Combine(app.DataDirectory, "..", $"fields-{backend}.pdf");
        await File.WriteAllBytesAsync(path, sealedPdf);
        Assert.Equal(3, CountOf(Run("pdfsig", path).Output, "Signature is Valid."));
        var (qpdfExit, qpdfText) = Run("qpdf", "--check", path);
        Assert.True(qpdfExit is 0 or 3, qpdfText);
        var text = Run("pdftotext", "-f", "1", "-l", "1", path, "-").Output; // the document's page, not the certificate
        foreach (var shown in new[] { "42.50", "billing@ada.example", "Ada King, Countess of Lovelace", "Team", "Annual", "SE556677-8899", "Approved-Koala-77" })
        {
            Assert.Contains(shown, text, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("Enterprise", text, StringComparison.Ordinal);
    }
}
