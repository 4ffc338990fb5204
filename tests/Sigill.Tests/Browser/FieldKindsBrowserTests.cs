using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The field kinds of ADR 0018 on the recipient page in Debian's Chromium: a number input, the e-mail and name pre-filled,
/// a dropdown, a radio group in a fieldset with its legend, and a checkbox that reveals a required field. Screenshots at
/// 390 px and on the desktop, axe and the CSP check on each; the values reach the API as the signer chose them.
/// </summary>
public sealed class FieldKindsBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_signer_fills_every_new_kind_and_a_ticked_box_reveals_a_required_field()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Form Fields", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Subscription order Ibis-4410", SamplePdf("Order form"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(sender, id, "Ada Formfill", "ada.form@example.test");
        async Task<string> Place(string kind, double y, object? settings = null, string? label = null) =>
            (await PostOkAsync(sender, $"/api/v1/documents/{id}/fields",
                new { recipientId = ada, kind, page = 1, x = 60, y, width = 220, height = 24, label, settings })).GetProperty("id").GetString()!;
        await Place("signature", 40);
        var seats = await Place("number", 90, new { min = 1, max = 250, decimals = 1 }, "Seats");
        var email = await Place("email", 130, label: "Billing e-mail");
        var name = await Place("name", 170, label: "Your full name");
        var plan = await Place("dropdown", 210, new { options = new[] { "Basic", "Team", "Enterprise" } }, "Plan");
        var billing = await Place("radio", 250, new { options = new[] { "Monthly", "Annual" } }, "Billing period");
        var company = await Place("checkbox", 290, label: "I buy for a company");
        var vat = await Place("text", 330, new { condition = new { field = company, equals = "true" } }, "Company VAT number");
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", "ada.form@example.test");

        // On a phone: the form as it first shows, then with the conditional field revealed.
        await using (var phone = await chromium.NewSessionAsync(app.WebUrl))
        {
            await phone.Page.GotoAsync($"/s/{link}");
            await phone.Page.ClickAsync("#agree");
            await phone.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
            Assert.False(await phone.Page.IsVisibleAsync($"#field-{vat}"));
            Assert.Equal("ada.form@example.test", await phone.Page.InputValueAsync($"#field-{email}"));
            Assert.Equal("Ada Formfill", await phone.Page.InputValueAsync($"#field-{name}"));
            Assert.Equal("3 required fields left.", await phone.Page.InnerTextAsync("#guide-status")); // seats, plan, billing
            await phone.CheckPageAsync("fields-1-phone");
            await phone.Page.CheckAsync($"#field-{company}");
            Assert.True(await phone.Page.IsVisibleAsync($"#field-{vat}"));
            Assert.Equal("4 required fields left.", await phone.Page.InnerTextAsync("#guide-status"));
            await phone.Page.Locator($"#sign-form").ScrollIntoViewIfNeededAsync();
            await phone.CheckPageAsync("fields-2-phone-revealed");
        }

        await using var desk = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        await desk.Page.GotoAsync($"/s/{link}");
        await desk.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        Assert.Equal("radio", await desk.Page.GetAttributeAsync($"#field-{billing}-0", "type"));
        Assert.StartsWith("Billing period", await desk.Page.InnerTextAsync($"#field-{billing} legend"), StringComparison.Ordinal);
        Assert.Equal("number", await desk.Page.GetAttributeAsync($"#field-{seats}", "type"));
        Assert.Equal("0.1", await desk.Page.GetAttributeAsync($"#field-{seats}", "step"));
        await desk.Page.FillAsync($"#field-{seats}", "12.5");
        await desk.Page.FillAsync($"#field-{email}", "billing@formfill.example");
        await desk.Page.FillAsync($"#field-{name}", "Ada Formfill-Björk");
        await desk.Page.SelectOptionAsync($"#field-{plan}", "Enterprise");
        await desk.Page.CheckAsync($"#field-{billing}-1");
        await desk.Page.CheckAsync($"#field-{company}");
        await desk.Page.FillAsync($"#field-{vat}", "SE-Ibis-556677");
        Assert.Equal("All required fields are filled in.", await desk.Page.InnerTextAsync("#guide-status"));
        await desk.CheckPageAsync("fields-3-desktop-filled");

        // Unticking hides the VAT number again: its input is disabled, so nothing is posted for it.
        await desk.Page.UncheckAsync($"#field-{company}");
        Assert.True(await desk.Page.IsDisabledAsync($"#field-{vat}"));
        await desk.Page.CheckAsync($"#field-{company}");
        await desk.Page.ClickAsync("#sign");
        await desk.Page.WaitForSelectorAsync("#signed");
        await desk.CheckPageAsync("fields-4-signed");

        var values = (await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}"))).GetProperty("fields").EnumerateArray()
            .ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("12.5", values[seats]);
        Assert.Equal("billing@formfill.example", values[email]);
        Assert.Equal("Ada Formfill-Björk", values[name]);
        Assert.Equal("Enterprise", values[plan]);
        Assert.Equal("Annual", values[billing]);
        Assert.Equal("true", values[company]);
        Assert.Equal("SE-Ibis-556677", values[vat]);
    }
}
