using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Tests.Infrastructure;
using UglyToad.PdfPig;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// Templates to documents on both backends, one app per backend for the class: each test makes its own organization, and
/// only the second stores templates in the us cell (it counts them there).
/// </summary>
public sealed class TemplateDocumentTests(SharedApps apps) : IClassFixture<SharedApps>
{
    private const string Body = """
        # Offer for {{ customer }}
        Dear {{ customer }}, prices in {{ pricing.currency }}: å ä ö ß €.

        {{ pricing_table }}
        Total due: {{ pricing.total }} {{ pricing.currency }}
        {{ page_break }}
        ## Terms
        {{ blocks.terms }}
        """;

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_template_with_a_content_block_and_a_pricing_table_renders_latin_text_and_stores_exact_totals(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Templates", "eu");
        using var sender = app.Web(org.ApiToken);
        await PostOkAsync(sender, "/api/v1/templates/blocks", new { name = "terms", body = "Payment within 30 days, {{ customer }}." });
        var template = await PostOkAsync(sender, "/api/v1/templates", new { name = "Offer", body = Body, variables = new[] { "customer" } });
        var doc = await PostOkAsync(sender, "/api/v1/documents/from-template", new
        {
            templateId = template.GetProperty("id").GetString(),
            title = "Offer Grüße",
            variables = new Dictionary<string, string> { ["customer"] = "Åsa Öberg GmbH" },
            pricing = new
            {
                currency = "EUR",
                items = new object[]
                {
                    new { description = "Licence", quantity = 3, unitPrice = 19.99m, discountPercent = 10, taxPercent = 25 },
                    new { description = "Setup", quantity = 1, unitPrice = 0.10m, taxPercent = 19 },
                },
            },
        });
        // 3 x 19.99 = 59.97; -10% = 6.00 (5.997 rounded); tax 25% of 53.97 = 13.49 (13.4925); setup 0.10 + 19% = 0.02 (0.019).
        var pricing = doc.GetProperty("pricing");
        Assert.Equal(60.07m, pricing.GetProperty("subtotal").GetDecimal());
        Assert.Equal(6.00m, pricing.GetProperty("discount").GetDecimal());
        Assert.Equal(13.51m, pricing.GetProperty("tax").GetDecimal());
        Assert.Equal(67.58m, pricing.GetProperty("total").GetDecimal());
        Assert.Equal(2, doc.GetProperty("pageCount").GetInt32());

        var pdf = await sender.GetByteArrayAsync($"/api/v1/documents/{doc.GetProperty("id").GetString()}/pdf");
        using var parsed = PdfDocument.Open(pdf);
        var text = string.Join("\n", parsed.GetPages().Select(p => p.Text));
        Assert.Contains("å ä ö ß €", text, StringComparison.Ordinal);
        Assert.Contains("Åsa Öberg GmbH", text, StringComparison.Ordinal);
        Assert.Contains("67.58", text, StringComparison.Ordinal);
        Assert.Contains("Payment within 30 days", text, StringComparison.Ordinal);
        Assert.Empty(await app.PlacesContainingAsync("Åsa Öberg"));
        Assert.Empty(await app.PlacesContainingAsync("Payment within 30 days"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Template_syntax_errors_unknown_variables_unknown_blocks_and_negative_quantities_answer_400(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Bad Templates", "us");
        using var sender = app.Web(org.ApiToken);
        async Task<string> CodeOf(HttpResponseMessage r)
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            return await ProblemCodeAsync(r);
        }
        Assert.Equal("template_syntax_error", await CodeOf(await sender.PostAsJsonAsync("/api/v1/templates", new { name = "Broken", body = "Hello {% if %}", variables = Array.Empty<string>() })));
        Assert.Equal("template_variable_unknown", await CodeOf(await sender.PostAsJsonAsync("/api/v1/templates", new { name = "Undeclared", body = "Hello {{ who }}", variables = Array.Empty<string>() })));
        Assert.Equal("template_block_unknown", await CodeOf(await sender.PostAsJsonAsync("/api/v1/templates", new { name = "No block", body = "{{ blocks.missing }}", variables = Array.Empty<string>() })));

        Assert.Equal("template_syntax_error", await CodeOf(await sender.PostAsJsonAsync("/api/v1/templates/blocks", new { name = "broken", body = "{% for %}" })));
        var template = await PostOkAsync(sender, "/api/v1/templates", new { name = "Ok", body = "Hello {{ who }} {{ pricing_table }}", variables = new[] { "who" } });
        var templateId = template.GetProperty("id").GetString();
        Assert.Equal("template_variable_unknown", await CodeOf(await sender.PostAsJsonAsync("/api/v1/documents/from-template",
            new { templateId, title = "Missing variable", variables = new Dictionary<string, string>() })));
        Assert.Equal("pricing_invalid", await CodeOf(await sender.PostAsJsonAsync("/api/v1/documents/from-template", new
        {
            templateId, title = "Negative", variables = new Dictionary<string, string> { ["who"] = "x" },
            pricing = new { currency = "EUR", items = new[] { new { description = "Refund trick", quantity = -1, unitPrice = 10 } } },
        })));
        var list = await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents");
        Assert.Equal(0, list.GetArrayLength());
        await using var db = app.Cells.Get("us").CreateDbContext();
        Assert.Equal(1, await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Templates)); // only the valid template was stored
        Assert.Equal(0, await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.ContentBlocks));
    }

    [Fact]
    public async Task The_starter_template_makes_a_document_without_a_pricing_table_and_leaves_its_price_section_out()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Starter", "us");
        using var sender = app.Web(org.ApiToken);
        var templateId = (await PostOkAsync(sender, "/api/v1/templates", new { name = "Starter", body = Sigill.Web.Pages.Templates.EditModel.StarterBody, variables = new[] { "client", "scope" } }))
            .GetProperty("id").GetString();
        var variables = new Dictionary<string, string> { ["client"] = "Nordlicht GmbH", ["scope"] = "Scope-without-price-5521" };
        var plain = await PostOkAsync(sender, "/api/v1/documents/from-template", new { templateId, title = "No price", variables });
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("pricing").ValueKind);
        var text = await PdfTextAsync(sender, plain.GetProperty("id").GetString()!);
        Assert.Contains("Scope-without-price-5521", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Total:", text, StringComparison.Ordinal);

        var priced = await PostOkAsync(sender, "/api/v1/documents/from-template", new
        {
            templateId, title = "With price", variables,
            pricing = new { currency = "EUR", items = new[] { new { description = "Design work", quantity = 2, unitPrice = 100 } } },
        });
        Assert.Contains("Total: 200.00 EUR", await PdfTextAsync(sender, priced.GetProperty("id").GetString()!), StringComparison.Ordinal);

        // An ordinary variable left out is still refused.
        using var missing = await sender.PostAsJsonAsync("/api/v1/documents/from-template", new { templateId, title = "Missing", variables = new Dictionary<string, string> { ["client"] = "x" } });
        Assert.Equal("template_variable_unknown", await ProblemCodeAsync(missing));
    }

    private static async Task<string> PdfTextAsync(HttpClient sender, string id)
    {
        var path = Path.Combine(Path.GetTempPath(), $"starter-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, await sender.GetByteArrayAsync($"/api/v1/documents/{id}/pdf"));
        try
        {
            return Run("pdftotext", path, "-").Output;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
