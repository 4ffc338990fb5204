using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// A formula field on the recipient page in Debian's Chromium: a read-only output that recipient.js recomputes as the
/// signer types (empty numbers count as 0, the pricing table's total is read from the page), with nothing posted for it;
/// the server computes the value that is signed. Screenshots at 390 px and on the desktop, axe and the CSP check on each.
/// </summary>
public sealed class FormulaBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_signer_types_numbers_sees_the_formula_computed_and_the_server_signs_the_same_value()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Formula Page", "eu");
        using var sender = app.Web(org.ApiToken);
        var template = await PostOkAsync(sender, "/api/v1/templates", new { name = "Order", body = "Order form Heron-5120.\n\n{{ pricing_table }}", variables = Array.Empty<string>() });
        var id = (await PostOkAsync(sender, "/api/v1/documents/from-template", new
        {
            templateId = template.GetProperty("id").GetString(),
            title = "Order Heron-5120",
            variables = new Dictionary<string, string>(),
            pricing = new { currency = "EUR", items = new[] { new { description = "Licence", quantity = 3, unitPrice = 19.99m, discountPercent = 10m, taxPercent = 25m } } },
        })).GetProperty("id").GetString()!; // total 67.46
        var ada = await AddRecipientAsync(sender, id, "Ada Formula", "ada.formula@example.test");
        async Task<string> Place(string kind, double y, object? settings = null, string? label = null) =>
            (await PostOkAsync(sender, $"/api/v1/documents/{id}/fields",
                new { recipientId = ada, kind, page = 1, x = 60, y, width = 220, height = 24, label, settings })).GetProperty("id").GetString()!;
        await Place("signature", 40);
        var seats = await Place("number", 90, new { min = 1, max = 500, name = "seats" }, "Seats");
        var price = await Place("number", 130, new { min = 0, max = 10000, decimals = 2, name = "price" }, "Price per seat");
        var total = await Place("formula", 170, new { formula = "{seats} * {price} + pricing.total", decimals = 2 }, "Total to pay");
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", "ada.formula@example.test");

        await using (var phone = await chromium.NewSessionAsync(app.WebUrl))
        {
            await phone.Page.GotoAsync($"/s/{link}");
            await phone.Page.ClickAsync("#agree");
            await phone.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
            Assert.Equal("67.46", await phone.Page.InnerTextAsync($"#field-{total}")); // empty numbers count as 0
            Assert.Null(await phone.Page.GetAttributeAsync($"#field-{total}", "name")); // nothing is posted for it
            await phone.Page.FillAsync($"#field-{seats}", "3");
            await phone.Page.FillAsync($"#field-{price}", "19.99");
            Assert.Equal("127.43", await phone.Page.InnerTextAsync($"#field-{total}"));
            await phone.Page.Locator($"#field-{total}").ScrollIntoViewIfNeededAsync();
            await phone.CheckPageAsync("formula-1-phone");
        }

        await using var desk = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        await desk.Page.GotoAsync($"/s/{link}");
        await desk.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        await desk.Page.FillAsync($"#field-{seats}", "12");
        await desk.Page.FillAsync($"#field-{price}", "19.99");
        Assert.Equal("307.34", await desk.Page.InnerTextAsync($"#field-{total}"));
        await desk.CheckPageAsync("formula-2-desktop-filled");
        await desk.Page.ClickAsync("#sign");
        await desk.Page.WaitForSelectorAsync("#signed");

        var values = (await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}"))).GetProperty("fields").EnumerateArray()
            .ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("12", values[seats]);
        Assert.Equal("307.34", values[total]); // computed by the server: 12 x 19.99 + 67.46
    }
}
