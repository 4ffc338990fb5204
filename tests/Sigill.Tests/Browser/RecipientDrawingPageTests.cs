using System.Net;
using System.Text.RegularExpressions;
using Sigill.Hostile;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>The recipient page passes a drawing on as it came; the API's decoder judges it and the page says why.</summary>
public sealed partial class RecipientDrawingPageTests
{
    [Fact]
    public async Task A_broken_drawing_on_the_recipient_page_shows_what_is_wrong_and_a_good_one_then_signs()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Drawing", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Drawn Kestrel-5", SamplePdf("Lease text"))).GetProperty("id").GetString()!;
        var r = await AddRecipientAsync(sender, id, "Dee Drawer", "dee@example.test");
        await AddFieldAsync(sender, id, r, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign" });
        using var web = app.Web();
        await web.GetAsync($"/s/{LinkFor(app.DataDirectory, "eu", "dee@example.test")}");
        using (await web.PostAsync("/s?handler=Consent", Form(await web.GetStringAsync("/s")))) { }

        using (var pdf = await web.GetAsync("/s/document.pdf")) Assert.Equal(HttpStatusCode.OK, pdf.StatusCode); // the view the API records before a signature
        var signPage = await web.GetStringAsync("/s");
        var palette = HostileCorpus.Pngs().Single(c => c.Name == "png-palette-without-plte").Payload();
        using var broken = await web.PostAsync("/s?handler=Sign",
            Form(signPage, ("SignatureMode", "draw"), ("DrawnPng", "data:image/png;base64," + Convert.ToBase64String(palette))));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        var html = await broken.Content.ReadAsStringAsync();
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Contains("no palette (PLTE chunk missing)", html, StringComparison.Ordinal);

        using var good = await web.PostAsync("/s?handler=Sign",
            Form(html, ("SignatureMode", "draw"), ("DrawnPng", "data:image/png;base64," + Convert.ToBase64String(PngBuilder.Rgba(600, 200)))));
        Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
        Assert.Contains("id=\"signed\"", await web.GetStringAsync("/s"), StringComparison.Ordinal);
    }

    private static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) =>
        new([new("__RequestVerificationToken", AntiforgeryField().Match(page).Groups[1].Value), .. fields.Select(f => KeyValuePair.Create(f.Name, f.Value))]);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
