using Microsoft.Playwright;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// A signer attachment on the recipient page in Debian's Chromium: the file input and its Upload button post the signing
/// form as multipart to the page's Attach handler, which passes the file to the API; the page comes back with what was
/// typed still filled in and the field naming the file; a refused file shows the API's reason. Screenshots at 390 px and
/// on the desktop, axe and the CSP check on each; the signed document's field holds the file the API stored.
/// </summary>
public sealed class AttachmentBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_signer_uploads_an_attachment_on_the_signing_page_keeps_their_values_and_signs()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Uploads", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Tenancy application Heron-2231", SamplePdf("Tenancy application"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(sender, id, "Ada Uploader", "ada.upload@example.test");
        async Task<string> Place(string kind, double y, string? label = null) =>
            (await PostOkAsync(sender, $"/api/v1/documents/{id}/fields",
                new { recipientId = ada, kind, page = 1, x = 60, y, width = 240, height = 24, label })).GetProperty("id").GetString()!;
        await Place("signature", 40);
        var employer = await Place("text", 90, "Employer");
        var idCopy = await Place("attachment", 130, "Copy of your ID");
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", "ada.upload@example.test");
        var pdf = SamplePdf("Ada's ID card, front and back");

        await using (var phone = await chromium.NewSessionAsync(app.WebUrl))
        {
            await phone.Page.GotoAsync($"/s/{link}");
            await phone.Page.ClickAsync("#agree");
            await phone.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
            Assert.Equal("file", await phone.Page.GetAttributeAsync($"#field-{idCopy}", "type"));
            await phone.Page.Locator($"#field-{idCopy}-upload").ScrollIntoViewIfNeededAsync();
            await phone.CheckPageAsync("attachment-1-phone");

            // A renamed program is refused with the API's reason, and nothing is attached.
            await phone.Page.SetInputFilesAsync($"#field-{idCopy}", new FilePayload { Name = "id.pdf", MimeType = "application/pdf", Buffer = [.. "MZ"u8, .. new byte[512]] });
            await phone.Page.ClickAsync($"#field-{idCopy}-upload");
            await phone.Page.WaitForSelectorAsync("#error");
            Assert.Contains("not accepted", await phone.Page.InnerTextAsync("#error"), StringComparison.Ordinal);
            Assert.False(await phone.Page.IsVisibleAsync($"#field-{idCopy}-attached"));
        }

        await using var desk = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        await desk.Page.GotoAsync($"/s/{link}");
        await desk.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        await desk.Page.FillAsync($"#field-{employer}", "Heron Shipping AB");
        // The required attachment counts as left, also once a file is chosen, until it is uploaded.
        Assert.Equal("1 required field left.", await desk.Page.InnerTextAsync("#guide-status"));
        await desk.Page.SetInputFilesAsync($"#field-{idCopy}", new FilePayload { Name = "id-card.pdf", MimeType = "application/pdf", Buffer = pdf });
        Assert.Equal("1 required field left.", await desk.Page.InnerTextAsync("#guide-status"));
        await desk.Page.ClickAsync($"#field-{idCopy}-upload");
        await desk.Page.WaitForSelectorAsync($"#field-{idCopy}-attached");
        await desk.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        Assert.StartsWith("Attached: id-card.pdf", await desk.Page.InnerTextAsync($"#field-{idCopy}-attached"), StringComparison.Ordinal);
        Assert.Equal("Heron Shipping AB", await desk.Page.InputValueAsync($"#field-{employer}")); // what was typed survives the upload
        Assert.Equal("All required fields are filled in.", await desk.Page.InnerTextAsync("#guide-status"));
        await desk.Page.Locator($"#field-{idCopy}-attached").ScrollIntoViewIfNeededAsync();
        await desk.CheckPageAsync("attachment-2-desktop-uploaded");
        await desk.Page.ClickAsync("#sign");
        await desk.Page.WaitForSelectorAsync("#signed");
        await desk.CheckPageAsync("attachment-3-signed");

        var view = await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}"));
        var fields = view.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!);
        Assert.Equal("Heron Shipping AB", fields[employer].GetProperty("value").GetString());
        var attachment = fields[idCopy].GetProperty("attachment");
        Assert.Equal("id-card.pdf", attachment.GetProperty("fileName").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(pdf)), attachment.GetProperty("sha256").GetString());
    }
}
