using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Browser;

/// <summary>The New document form's "Add line" in Chromium: the script adds lines in place under the site's CSP.</summary>
public sealed class NewDocumentBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task Add_line_adds_lines_in_place_and_the_document_gets_every_line()
    {
        await using var app = await SigillApp.StartAsync();
        await using var b = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        var page = b.Page;
        await b.SignUpAsync(app, "Lina Lines", "lina.lines@example.com", "Lines AB", "eu");
        await page.GotoAsync("/templates/new");
        await page.ClickAsync("#save-template");
        await page.WaitForSelectorAsync("#saved");
        await page.ClickAsync("#use-template");

        await page.FillAsync("#title", "Five lines Plover");
        await page.FillAsync("#var-client", "Plover GmbH");
        await page.FillAsync("#var-scope", "Plover scope");
        Assert.Equal(3, await page.Locator("#pricing-lines tr").CountAsync());
        var url = page.Url;
        await page.ClickAsync("#add-line");
        await page.ClickAsync("#add-line");
        Assert.Equal(url, page.Url); // in place, no round trip
        Assert.Equal(5, await page.Locator("#pricing-lines tr").CountAsync());
        Assert.Equal("line-4-description", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        Assert.Equal("Line 5 added.", await page.InnerTextAsync("#pricing-status"));
        Assert.Equal("Line 5 unit price", await page.GetAttributeAsync("#line-4-price", "aria-label"));
        await b.CheckPageAsync("new-document-add-line");

        for (var i = 0; i < 5; i++)
        {
            await page.FillAsync($"#line-{i}-description", $"Plover line {i + 1}");
            await page.FillAsync($"#line-{i}-price", "100");
        }
        await page.FillAsync("#line-4-discount", "50");
        await page.Locator("#line-4-tax").PressAsync("Enter"); // Enter creates the document, it does not add a line
        await page.WaitForSelectorAsync("#document-title");
        Assert.Contains("Total 450.00 EUR", await page.InnerTextAsync("main"), StringComparison.Ordinal);
    }
}
