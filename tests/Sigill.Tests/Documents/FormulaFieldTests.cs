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
/// Formula fields (ADR 0018, docs/fields.md "Formulas") through the public API on both backends: bad formulas are refused
/// when saved and nothing is stored; at signing the server computes the value from the signer's numbers and the pricing
/// table, refuses a value sent for it, answers a division by zero with a field error, and stamps what it computed into
/// the sealed PDF.
/// </summary>
public sealed class FormulaFieldTests(SharedApps apps) : IClassFixture<SharedApps>
{
    private static object Field(string recipientId, string kind, double y, object? settings = null, string? label = null) =>
        new { recipientId, kind, page = 1, x = 60, y, width = 220, height = 24, label, settings };

    private static async Task<string> PlaceAsync(HttpClient sender, string documentId, object field) =>
        (await PostOkAsync(sender, $"/api/v1/documents/{documentId}/fields", field)).GetProperty("id").GetString()!;

    /// <summary>A document from a template with a pricing table: subtotal 59.97, discount 6.00, tax 13.49, total 67.46 (EUR).</summary>
    private static async Task<string> PricedDocumentAsync(HttpClient sender)
    {
        var template = await PostOkAsync(sender, "/api/v1/templates", new { name = "Order", body = "Order form.\n\n{{ pricing_table }}", variables = Array.Empty<string>() });
        var doc = await PostOkAsync(sender, "/api/v1/documents/from-template", new
        {
            templateId = template.GetProperty("id").GetString(),
            title = "Order with formulas",
            variables = new Dictionary<string, string>(),
            pricing = new { currency = "EUR", items = new[] { new { description = "Licence", quantity = 3, unitPrice = 19.99m, discountPercent = 10m, taxPercent = 25m } } },
        });
        Assert.Equal(67.46m, doc.GetProperty("pricing").GetProperty("total").GetDecimal());
        return doc.GetProperty("id").GetString()!;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Bad_formulas_are_refused_when_saved_and_nothing_is_stored(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Formula Rules", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Plain order", SamplePdf("plain order"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(sender, id, "Ada", "ada.formularules@example.test");
        var bo = await AddRecipientAsync(sender, id, "Bo", "bo.formularules@example.test");
        var qty = await PlaceAsync(sender, id, Field(ada, "number", 100, new { min = 1, max = 100, name = "qty" }, "Quantity"));
        await PlaceAsync(sender, id, Field(ada, "number", 140, new { name = "anything" }, "Unbounded"));
        await PlaceAsync(sender, id, Field(bo, "number", 180, new { name = "theirs" }, "Bo's number"));
        var total = await PlaceAsync(sender, id, Field(ada, "formula", 220, new { formula = "{qty} * 19.99", decimals = 2 }, "Total"));

        var cases = new (object Body, string Code)[]
        {
            (Field(ada, "formula", 300), "field_formula_invalid"),                                          // no formula
            (Field(ada, "formula", 300, new { formula = "{qty} *" }), "field_formula_invalid"),
            (Field(ada, "formula", 300, new { formula = "eval('1')" }), "field_formula_invalid"),
            (Field(ada, "formula", 300, new { formula = new string('(', 21) + "1" + new string(')', 21) }), "field_formula_invalid"),
            (Field(ada, "formula", 300, new { formula = string.Join("+", Enumerable.Repeat("{qty}", 60)) }), "field_formula_invalid"), // 119 nodes
            (Field(ada, "formula", 300, new { formula = "1" + new string(' ', 500) }), "field_formula_invalid"),
            (Field(ada, "formula", 300, new { formula = "{nobody} + 1" }), "field_formula_invalid"),
            (Field(ada, "formula", 300, new { formula = "{theirs} + 1" }), "field_formula_invalid"),            // another recipient's
            (Field(ada, "formula", 300, new { formula = "pricing.total * 2" }), "field_formula_invalid"),      // no pricing table here
            (Field(ada, "formula", 300, new { formula = "100 / {anything}" }), "field_formula_invalid"),       // 0 is a value it can take
            (Field(ada, "formula", 300, new { formula = "1 / (2 - 2)" }), "field_formula_invalid"),
            (Field(ada, "formula", 300, new { formula = "{anything} * {anything} * {anything}" }), "field_formula_invalid"), // beyond decimal at ±10^12
            (Field(ada, "formula", 300, new { formula = "1", min = 0 }), "field_settings_invalid"),
            (Field(ada, "formula", 300, new { formula = "1", decimals = 9 }), "field_settings_invalid"),
            (Field(ada, "text", 300, new { formula = "1" }), "field_settings_invalid"),
            (Field(ada, "text", 300, new { name = "t" }), "field_settings_invalid"),
            (Field(ada, "number", 300, new { name = "has space" }), "field_settings_invalid"),
            (Field(ada, "number", 300, new { name = "QTY" }), "field_formula_invalid"),                        // the same name, case ignored
        };
        foreach (var (body, code) in cases)
        {
            using var refused = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/fields", body);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)}: {(int)refused.StatusCode}");
            Assert.Equal(code, await ProblemCodeAsync(refused));
        }
        // Renaming or removing the number field a formula uses, or rewriting the formula badly, is refused too.
        using (var renamed = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{qty}", new { settings = new { min = 1, max = 100, name = "quantity" } }))
        {
            Assert.Equal("field_formula_invalid", await ProblemCodeAsync(renamed));
        }
        using (var unbounded = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{qty}", new { settings = new { name = "qty" } }))
        {
            Assert.Equal(HttpStatusCode.OK, unbounded.StatusCode); // {qty} * 19.99 stays computable at ±10^12
        }
        using (var removed = await sender.DeleteAsync($"/api/v1/documents/{id}/fields/{qty}"))
        {
            Assert.Equal("field_formula_invalid", await ProblemCodeAsync(removed));
        }
        using (var rewritten = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/fields/{total}", new { settings = new { formula = "{qty} / 0" } }))
        {
            Assert.Equal("field_formula_invalid", await ProblemCodeAsync(rewritten));
        }

        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        var fields = view.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!);
        Assert.Equal(4, fields.Count);
        Assert.Equal("formula", fields[total].GetProperty("kind").GetString());
        Assert.Equal("{qty} * 19.99", fields[total].GetProperty("settings").GetProperty("formula").GetString());
        Assert.Equal("qty", fields[qty].GetProperty("settings").GetProperty("name").GetString());

        // The formula is customer content (it can hold prices): stored encrypted.
        await using var db = app.Cells.Get("eu").CreateDbContext();
        var stored = await db.DocumentFields.AsNoTracking().SingleAsync(f => f.Id == total);
        Assert.DoesNotContain("19.99", stored.SettingsToken!, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task The_server_computes_the_formula_from_the_signers_numbers_and_the_sealed_pdf_shows_it(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Formulas", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = await PricedDocumentAsync(sender);
        var ada = await AddRecipientAsync(sender, id, "Ada Lovelace", "ada.formulas@example.test");
        await OkJsonAsync(await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/recipients/{ada}", new { language = "de" })); // her page speaks German
        await AddFieldAsync(sender, id, ada, "signature", 40);
        var seats = await PlaceAsync(sender, id, Field(ada, "number", 80, new { min = 1, max = 500, name = "seats" }, "Seats"));
        var price = await PlaceAsync(sender, id, Field(ada, "number", 120, new { min = 0, max = 10000, decimals = 2, name = "price" }, "Price per seat"));
        var addon = await PlaceAsync(sender, id, Field(ada, "checkbox", 160, label: "Support add-on"));
        var support = await PlaceAsync(sender, id, Field(ada, "number", 200, new { min = 0, max = 100, name = "support", condition = new { field = addon, equals = "true" } }, "Support hours"));
        var total = await PlaceAsync(sender, id, Field(ada, "formula", 240, new { formula = "{seats} * {price} + {support} * 80 + pricing.total", decimals = 2 }, "Total"));
        var perSeat = await PlaceAsync(sender, id, Field(ada, "formula", 280, new { formula = "round(100 / ({seats} - 5), 3)", decimals = 1 }, "Share"));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", "ada.formulas@example.test");

        using var recipient = app.Web();
        var signing = await recipient.GetFromJsonAsync<JsonElement>($"/api/v1/signing/{link}");
        Assert.Equal(67.46m, signing.GetProperty("pricing").GetProperty("total").GetDecimal()); // for the page's live computation
        (await recipient.GetAsync($"/api/v1/signing/{link}/document.pdf")).Dispose();
        (await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })).Dispose();

        async Task<(string Code, string Detail)> RefusedAsync(Dictionary<string, string> values)
        {
            using var response = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/sign",
                new { typedName = "Ada Lovelace", fields = values.Select(v => new { id = v.Key, value = v.Value }).ToArray() });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (problem.GetProperty("code").GetString()!, problem.GetProperty("detail").GetString()!);
        }
        var good = new Dictionary<string, string> { [seats] = "12", [price] = "19.99" };
        // A value for the formula is refused, even the right one: the server computes it.
        Assert.Equal("field_read_only", (await RefusedAsync(new(good) { [total] = "307.34" })).Code);
        // 100 / (5 - 5): the signer's numbers divide by zero; a field error, nothing stored.
        var (code, detail) = await RefusedAsync(new(good) { [seats] = "5" });
        Assert.Equal("field_formula_failed", code);
        Assert.Contains(perSeat, detail, StringComparison.Ordinal);
        Assert.Contains("division by zero", detail, StringComparison.Ordinal);
        var before = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        Assert.All(before.GetProperty("fields").EnumerateArray(), f => Assert.Equal(JsonValueKind.Null, f.GetProperty("value").ValueKind));

        // The support hours are hidden (the add-on is not ticked): they count as 0.
        var done = await PostOkAsync(recipient, $"/api/v1/signing/{link}/sign",
            new { typedName = "Ada Lovelace", fields = good.Select(v => new { id = v.Key, value = v.Value }).ToArray() });
        Assert.Equal("completed", done.GetProperty("documentStatus").GetString());

        // 12 x 19.99 + 0 x 80 + 67.46 = 307.34; 100 / 7 = 14.286 (round to 3), shown with 1 decimal: 14.3.
        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        var values = view.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("307.34", values[total]);
        Assert.Equal("14.3", values[perSeat]);
        Assert.Null(values[support]);

        // The computed values are stored encrypted, like every value.
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            var stored = await db.DocumentFields.AsNoTracking().SingleAsync(f => f.Id == total);
            Assert.DoesNotContain("307.34", stored.ValueToken!, StringComparison.Ordinal);
        }

        using var download = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf");
        var sealedPdf = await download.Content.ReadAsByteArrayAsync();
        using var root = X509Certificate2.CreateFromPem(await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem"));
        var report = PdfSignatureVerifier.Verify(sealedPdf, [root]);
        Assert.True(report.IsValid, string.Join("; ", report.Signatures.SelectMany(s => s.Problems)));
        var path = Path.Combine(app.DataDirectory, "..", $"formulas-{backend}.pdf");
        await File.WriteAllBytesAsync(path, sealedPdf);
        Assert.True(CountOf(Run("pdfsig", path).Output, "Signature is Valid.") >= 2);
        var (qpdfExit, qpdfText) = Run("qpdf", "--check", path);
        Assert.True(qpdfExit is 0 or 3, qpdfText);
        // Stamped with the decimal mark of her page's language; the values above (API, evidence) stay invariant.
        var text = Run("pdftotext", "-f", "1", "-l", "1", path, "-").Output;
        Assert.Contains("307,34", text, StringComparison.Ordinal);
        Assert.Contains("14,3", text, StringComparison.Ordinal);
        Assert.Contains("19,99", text, StringComparison.Ordinal); // her price per seat, a number field
        Assert.DoesNotContain("307.34", text, StringComparison.Ordinal);
    }
}
