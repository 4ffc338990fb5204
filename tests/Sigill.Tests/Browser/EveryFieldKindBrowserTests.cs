using Microsoft.Playwright;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// Issue 24's acceptance in Debian's Chromium, in Swedish and in German: a signer whose language the sender chose fills
/// in every field kind on one document — signature, initials, text, date, checkbox, number, e-mail, full name, dropdown,
/// radio group, a formula over the number, a file upload — and ticks a box that reveals a required field. Screenshots on
/// a phone and the desktop, axe and the CSP check on each. The sealed PDF shows the values (numbers with the language's
/// decimal mark), pdfsig finds every signature valid and qpdf finds the file sound.
/// </summary>
public sealed class EveryFieldKindBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Theory]
    [InlineData("sv", "Underteckna dokumentet", "Tack, du har undertecknat")]
    [InlineData("de", "Dokument unterschreiben", "Danke, Sie haben unterschrieben")]
    public async Task A_signer_fills_every_kind_with_an_attachment_and_a_revealed_field_and_the_sealed_pdf_shows_them(string lang, string sign, string signed)
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync($"Acme Every Kind {lang}", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, $"Order Kite-{lang}", SamplePdf("Order form"))).GetProperty("id").GetString()!;
        var email = $"ada.every.{lang}@example.test";
        var ada = (await PostOkAsync(sender, $"/api/v1/documents/{id}/recipients", new { name = "Åsa Öberg", email, role = "signer", language = lang }))
            .GetProperty("id").GetString()!;
        async Task<string> Place(string kind, double x, double y, object? settings = null, string? label = null, bool? required = null) =>
            (await PostOkAsync(sender, $"/api/v1/documents/{id}/fields",
                new { recipientId = ada, kind, page = 1, x, y, width = 200, height = 24, label, settings, required })).GetProperty("id").GetString()!;
        await Place("signature", 60, 40);
        var initials = await Place("initials", 300, 40);
        var text = await Place("text", 60, 90, label: "Reference");
        var date = await Place("date", 300, 90, label: "Start");
        var seats = await Place("number", 60, 130, new { min = 1, max = 250, decimals = 1, name = "seats" }, "Seats");
        var total = await Place("formula", 300, 130, new { formula = "{seats} * 12.5", decimals = 2 }, "Total");
        var mail = await Place("email", 60, 170, label: "Billing e-mail");
        var name = await Place("name", 300, 170, label: "Full name");
        var plan = await Place("dropdown", 60, 210, new { options = new[] { "Basic", "Team", "Enterprise" } }, "Plan");
        var billing = await Place("radio", 300, 210, new { options = new[] { "Monthly", "Annual" } }, "Billing");
        var company = await Place("checkbox", 60, 270, label: "Company");
        var vat = await Place("text", 300, 270, new { condition = new { field = company, equals = "true" } }, "VAT number");
        var proof = await Place("attachment", 60, 320, label: "Registration certificate");
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", email);

        // On a phone (the browser asks for English; the page speaks the recipient's language): the VAT number is hidden
        // until the box is ticked, and then it is required.
        await using (var phone = await chromium.NewSessionAsync(app.WebUrl, locale: "en-US"))
        {
            await phone.Page.GotoAsync($"/s/{link}");
            await phone.Page.ClickAsync("#agree");
            await phone.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
            Assert.Equal(lang, await phone.Page.GetAttributeAsync("html", "lang"));
            Assert.False(await phone.Page.IsVisibleAsync($"#field-{vat}"));
            var before = await phone.Page.InnerTextAsync("#guide-status");
            await phone.Page.CheckAsync($"#field-{company}");
            Assert.True(await phone.Page.IsVisibleAsync($"#field-{vat}"));
            Assert.NotEqual(before, await phone.Page.InnerTextAsync("#guide-status")); // one more required field left
            await phone.CheckPageAsync($"every-kind-{lang}-1-phone");
        }

        await using var desk = await chromium.NewSessionAsync(app.WebUrl, mobile: false, locale: "en-US");
        await desk.Page.GotoAsync($"/s/{link}");
        await desk.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        Assert.Equal(sign, (await desk.Page.InnerTextAsync("#sign")).Trim());
        var certificate = SamplePdf("Registration certificate Kite AB");
        await desk.Page.SetInputFilesAsync($"#field-{proof}", new FilePayload { Name = "registrering.pdf", MimeType = "application/pdf", Buffer = certificate });
        await desk.Page.ClickAsync($"#field-{proof}-upload");
        await desk.Page.WaitForSelectorAsync($"#field-{proof}-attached");
        await desk.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        if (await desk.Page.IsVisibleAsync($"#field-{initials}")) await desk.Page.FillAsync($"#field-{initials}", "ÅÖ");
        await desk.Page.FillAsync($"#field-{text}", $"Kite-{lang}-7781");
        await desk.Page.FillAsync($"#field-{date}", "2027-03-15");
        await desk.Page.FillAsync($"#field-{seats}", "12.5");
        await desk.Page.WaitForFunctionAsync("id => document.getElementById(id).textContent.includes('156')", $"field-{total}");
        await desk.Page.FillAsync($"#field-{mail}", "billing@kite.example");
        Assert.Equal("Åsa Öberg", await desk.Page.InputValueAsync($"#field-{name}")); // pre-filled from the recipient
        await desk.Page.SelectOptionAsync($"#field-{plan}", "Enterprise");
        await desk.Page.CheckAsync($"#field-{billing}-1");
        await desk.Page.CheckAsync($"#field-{company}");
        await desk.Page.FillAsync($"#field-{vat}", "SE556677-1");
        await desk.CheckPageAsync($"every-kind-{lang}-2-desktop-filled");
        await desk.Page.ClickAsync("#sign");
        await desk.Page.WaitForSelectorAsync("#signed, #error");
        Assert.True(await desk.Page.IsVisibleAsync("#signed"), await desk.Page.InnerTextAsync("main"));
        Assert.Equal(signed, (await desk.Page.InnerTextAsync("#signed h1")).Trim());
        await desk.CheckPageAsync($"every-kind-{lang}-3-signed");
        desk.AssertNoCspViolations();

        // The values the API keeps are language-neutral; the sealed PDF shows them in the signer's language.
        var doc = await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}"));
        var values = doc.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("12.5", values[seats]);
        Assert.Equal("156.25", values[total]);
        Assert.Equal(("Enterprise", "Annual", "true", "SE556677-1"), (values[plan], values[billing], values[company], values[vat]));
        Assert.Equal(("2027-03-15", "billing@kite.example", "Åsa Öberg"), (values[date], values[mail], values[name]));
        byte[]? sealedPdf = null;
        for (var i = 0; i < 120 && sealedPdf is null; i++)
        {
            using var response = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf");
            if (response.IsSuccessStatusCode) sealedPdf = await response.Content.ReadAsByteArrayAsync();
            else await Task.Delay(500);
        }
        Assert.NotNull(sealedPdf);
        var file = Path.Combine(Chromium.ScreenshotDirectory, $"every-kind-{lang}-sealed.pdf");
        await File.WriteAllBytesAsync(file, sealedPdf);
        var (_, pdfsig) = Run("pdfsig", file);
        Assert.True(CountOf(pdfsig, "Signature is Valid.") >= 2, pdfsig); // the signer and the seal
        Assert.Equal(0, CountOf(pdfsig, "Signature is Invalid"));
        var (qpdfExit, qpdf) = Run("qpdf", "--check", file);
        Assert.True(qpdfExit == 0, qpdf);
        var page = Run("pdftotext", "-f", "1", "-l", "1", file, "-").Output;
        foreach (var shown in new[] { "12,5", "156,25", "Enterprise", "Annual", $"Kite-{lang}-7781", "2027-03-15", "billing@kite.example", "SE556677-1", "registrering.pdf" })
        {
            Assert.Contains(shown, page, StringComparison.Ordinal);
        }
    }
}
