using System.Net;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// The web tier's New document form from a template, posted as a browser without JavaScript posts it, on the real hosts:
/// the pricing table is optional, takes more lines than it shows at first ("Add line"), and prints discount and tax as
/// summary rows under the subtotal. Each test signs up its own sender on one shared app.
/// </summary>
public sealed partial class NewDocumentFormTests(SharedApps apps) : IClassFixture<SharedApps>
{
    [Fact]
    public async Task The_starter_template_makes_a_document_through_the_form_with_the_pricing_table_left_empty()
    {
        var (web, form) = await SenderWithStarterTemplateAsync("nia.noprice@example.com");
        using (web)
        {
            var document = await CreateAsync(web, form, "No price Wren-31", [], ("Variables[scope]", "Scope-Wren-31"));
            var text = await PdfTextAsync(web, document);
            Assert.Contains("Scope-Wren-31", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Price", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Total", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_form_takes_more_lines_than_it_shows_and_prints_discount_and_tax_under_the_subtotal()
    {
        var (web, form) = await SenderWithStarterTemplateAsync("otto.lines@example.com");
        using (web)
        {
            Assert.Equal(3, LineCount(form)); // what the form shows at first; "Add line" (or a script) adds more
            // Seven lines: the sixth with 10 % off, the seventh with 25 % tax.
            var lines = Enumerable.Range(0, 7).Select(i => (Description: $"Line-{i + 1}-Kestrel", Quantity: "1", Price: "100", Discount: i == 5 ? "10" : "", Tax: i == 6 ? "25" : "")).ToList();
            var document = await CreateAsync(web, form, "Seven lines Kestrel", lines);
            var text = await PdfTextAsync(web, document);
            for (var i = 1; i <= 7; i++) Assert.Contains($"Line-{i}-Kestrel", text, StringComparison.Ordinal);

            // 7 x 100.00 = 700.00; 10 % of line 6 = 10.00 off; 25 % of line 7 = 25.00 tax; 715.00 in all.
            var rows = text.Split('\n').Select(l => Spaces().Replace(l.Trim(), " ")).ToList();
            var subtotal = rows.IndexOf("Subtotal 700.00 EUR");
            Assert.True(subtotal > 0, text);
            Assert.Equal(["Discount -10.00 EUR", "Tax 25.00 EUR", "Total 715.00 EUR"], rows.Skip(subtotal + 1).Take(3));
            Assert.Contains("Line-6-Kestrel (-10%) 1 100.00 EUR 100.00 EUR", rows);
            // Not priced lines of quantity 1, as they were.
            Assert.DoesNotContain(rows, r => r.StartsWith("Discount 1 ", StringComparison.Ordinal) || r.StartsWith("Tax 1 ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Add_line_without_javascript_returns_the_form_with_one_more_line_and_every_value_kept()
    {
        var (web, form) = await SenderWithStarterTemplateAsync("pia.addline@example.com");
        using (web)
        {
            var action = AddLineAction().Match(form);
            Assert.True(action.Success, "no Add line button");
            using var added = await web.PostAsync(WebUtility.HtmlDecode(action.Groups[1].Value), Form(form,
                ("Title", "Heron-77"), ("Variables[client]", "Heron AB"), ("Variables[scope]", "Heron scope"), ("Currency", "SEK"),
                ("Pricing[0].Description", "First Heron line"), ("Pricing[0].Quantity", "2"), ("Pricing[0].UnitPrice", "10"),
                ("Pricing[1].Description", ""), ("Pricing[2].Description", "")));
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            var page = await added.Content.ReadAsStringAsync();
            Assert.Equal(4, LineCount(page));
            var focused = Assert.Single(AutofocusedInput().Matches(page)).Value;
            Assert.Contains("id=\"line-3-description\"", focused, StringComparison.Ordinal);
            Assert.Contains("aria-label=\"Line 4 description\"", focused, StringComparison.Ordinal);
            Assert.DoesNotContain("value=", focused, StringComparison.Ordinal); // empty
            foreach (var kept in new[] { "value=\"Heron-77\"", "value=\"Heron AB\"", "value=\"Heron scope\"", "value=\"SEK\"", "value=\"First Heron line\"" })
            {
                Assert.Contains(kept, page, StringComparison.Ordinal);
            }
            Assert.Empty(await DocumentsAsync(web)); // nothing made yet
        }
    }

    [Fact]
    public async Task A_refused_upload_keeps_the_typed_title_and_says_why()
    {
        var app = await apps.For(Backend.Sqlite);
        using var web = app.Web();
        await SignUpThroughPagesAsync(app, web, "ulla.upload@example.com", "eu");
        var page = await web.GetStringAsync("/documents/new");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(AntiforgeryToken(page)), "__RequestVerificationToken" },
            { new StringContent("Lease for Harbour Street 9"), "Title" },
            { new ByteArrayContent("this is not a PDF at all"u8.ToArray()), "file", "lease.pdf" },
        };
        using var refused = await web.PostAsync("/documents/new?handler=Upload", form);
        var answer = await refused.Content.ReadAsStringAsync();
        Assert.True((int)refused.StatusCode is >= 400 and < 500, $"{(int)refused.StatusCode}");
        Assert.Contains("value=\"Lease for Harbour Street 9\"", answer, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", answer, StringComparison.Ordinal);
        Assert.Empty(await DocumentsAsync(web));
    }

    private static string AntiforgeryToken(string page) => Antiforgery().Match(page).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();

    private async Task<(HttpClient Web, string Form)> SenderWithStarterTemplateAsync(string email)
    {
        var app = await apps.For(Backend.Sqlite);
        var web = app.Web();
        await SignUpThroughPagesAsync(app, web, email, "eu");
        var editor = await web.GetStringAsync("/templates/new");
        using var saved = await web.PostAsync("/templates/new", Form(editor, ("Name", "Starter"), ("Variables", "client, scope"), ("Body", Sigill.Web.Pages.Templates.EditModel.StarterBody)));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var templateId = TemplateId().Match(saved.Headers.Location!.OriginalString).Value;
        return (web, await web.GetStringAsync($"/documents/new?template={templateId}"));
    }

    /// <summary>Posts the form as a browser would (every line it shows, blank or not, and the extra ones); returns the new document's path.</summary>
    private static async Task<string> CreateAsync(HttpClient web, string form, string title,
        IReadOnlyList<(string Description, string Quantity, string Price, string Discount, string Tax)> lines, params (string Name, string Value)[] variables)
    {
        var fields = new List<(string, string)> { ("Title", title), ("Variables[client]", "Nordlicht GmbH"), ("Variables[scope]", "Scope"), ("Currency", "EUR") };
        fields.RemoveAll(f => variables.Any(v => v.Name == f.Item1));
        fields.AddRange(variables);
        for (var i = 0; i < Math.Max(lines.Count, LineCount(form)); i++)
        {
            var line = i < lines.Count ? lines[i] : (Description: "", Quantity: "", Price: "", Discount: "", Tax: "");
            fields.AddRange([($"Pricing[{i}].Description", line.Description), ($"Pricing[{i}].Quantity", line.Quantity), ($"Pricing[{i}].UnitPrice", line.Price),
                ($"Pricing[{i}].DiscountPercent", line.Discount), ($"Pricing[{i}].TaxPercent", line.Tax)]);
        }
        var action = WebUtility.HtmlDecode(FormAction().Match(form).Groups[1].Value);
        using var created = await web.PostAsync(action, Form(form, [.. fields]));
        Assert.True(created.StatusCode == HttpStatusCode.Redirect, $"{created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        var path = created.Headers.Location!.OriginalString;
        Assert.StartsWith("/documents/doc_eu_", path, StringComparison.Ordinal);
        return path;
    }

    private static async Task<string> PdfTextAsync(HttpClient web, string documentPath)
    {
        var file = Path.Combine(Path.GetTempPath(), $"form-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, await web.GetByteArrayAsync($"{documentPath}?handler=Pdf"));
        try
        {
            var (exitCode, output) = Run("pdftotext", "-layout", file, "-");
            Assert.Equal(0, exitCode);
            return output;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<IReadOnlyList<string>> DocumentsAsync(HttpClient web) =>
        [.. DocumentLink().Matches(await web.GetStringAsync("/documents")).Select(m => m.Value).Distinct()];

    private static int LineCount(string page) => LineDescription().Matches(page).Count;

    [GeneratedRegex("name=\"Pricing\\[\\d+\\]\\.Description\"")]
    private static partial Regex LineDescription();

    [GeneratedRegex("<form [^>]*id=\"template-form\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<button [^>]*id=\"add-line\" [^>]*formaction=\"([^\"]+)\"")]
    private static partial Regex AddLineAction();

    [GeneratedRegex("<input [^>]*autofocus[^>]*>")]
    private static partial Regex AutofocusedInput();

    [GeneratedRegex("tpl_[a-z]+_[0-9a-z]+")]
    private static partial Regex TemplateId();

    [GeneratedRegex("/documents/doc_[a-z]+_[0-9a-z]+")]
    private static partial Regex DocumentLink();

    [GeneratedRegex(" {2,}")]
    private static partial Regex Spaces();
}
