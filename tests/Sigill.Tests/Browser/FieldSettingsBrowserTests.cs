using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Tests.Documents;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The sender sets field settings on the document page in Chromium (docs/fields.md): a dropdown placed with the keyboard
/// form starts with two options and gets its own, a text field is shown only for one option, a formula the API refuses
/// shows the API's reason and changes nothing; once signed, the file a signer attached is listed and downloads from the
/// page. Screenshots <c>field-settings*</c> on desktop and a phone.
/// </summary>
public sealed class FieldSettingsBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_sender_sets_options_a_condition_and_a_formula_and_downloads_a_signers_file(bool mobile)
    {
        var suffix = mobile ? "-phone" : "";
        await using var app = await SigillApp.StartAsync();
        var email = $"stina.settings{suffix}@example.com";
        var account = await IdentityKit.SignUpAsync(app, email, "eu", "Settings AB");
        using var api = app.Web(account.Session);
        var id = (await UploadOkAsync(api, "Order form", SamplePdf("order form"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(api, id, "Ada Buyer", "ada.settings@example.test");
        await AddFieldAsync(api, id, ada, "signature", 40);
        var upload = (await PostOkAsync(api, $"/api/v1/documents/{id}/fields",
            new { recipientId = ada, kind = "attachment", page = 1, x = 60, y = 300, width = 200, height = 24, label = "Purchase order" })).GetProperty("id").GetString()!;
        var note = (await PostOkAsync(api, $"/api/v1/documents/{id}/fields",
            new { recipientId = ada, kind = "text", page = 1, x = 60, y = 340, width = 200, height = 24, label = "Team name" })).GetProperty("id").GetString()!;

        await using var b = await chromium.NewSessionAsync(app.WebUrl, mobile: mobile);
        var page = b.Page;
        await page.GotoAsync($"/sign-in?next=%2Fdocuments%2F{id}");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", IdentityKit.Password);
        await page.ClickAsync("#sign-in-submit");
        await page.WaitForURLAsync($"**/documents/{id}");

        // A dropdown placed with the keyboard form starts with two options to edit.
        await page.ClickAsync("#place-by-form summary");
        await page.SelectOptionAsync("#f-kind", "dropdown");
        await page.FillAsync("#f-label", "Plan");
        await page.ClickAsync("#add-field-submit");
        await page.WaitForSelectorAsync("#field-list");
        var plan = (await FieldsAsync(api, id)).Single(f => f.GetProperty("kind").GetString() == "dropdown").GetProperty("id").GetString()!;
        Assert.Equal("Option 1\nOption 2", await page.InputValueAsync($"#options-{plan}"));
        await page.ClickAsync($"li[data-field='{plan}'] .field-settings summary");
        await page.FillAsync($"#options-{plan}", "Basic\nTeam\n  \nEnterprise");
        await page.ClickAsync($"li[data-field='{plan}'] .field-settings button[type=submit]");
        await page.WaitForSelectorAsync($"#options-{plan}", Attached);
        Assert.Equal(["Basic", "Team", "Enterprise"], Options(await FieldAsync(api, id, plan)));

        // The team name is shown only when the plan is Team.
        await page.ClickAsync($"li[data-field='{note}'] .field-settings summary");
        await page.SelectOptionAsync($"#cond-{note}", plan);
        await page.FillAsync($"#equals-{note}", "Team");
        await page.ClickAsync($"li[data-field='{note}'] .field-settings button[type=submit]");
        await page.WaitForSelectorAsync($"#cond-{note}", Attached);
        var condition = (await FieldAsync(api, id, note)).GetProperty("settings").GetProperty("condition");
        Assert.Equal(plan, condition.GetProperty("field").GetString());
        Assert.Equal("Team", condition.GetProperty("equals").GetString());
        Assert.Equal(plan, await page.InputValueAsync($"#cond-{note}"));

        // An option that is not one is refused with the API's reason; the condition stays as it was.
        await page.ClickAsync($"li[data-field='{note}'] .field-settings summary");
        await page.FillAsync($"#equals-{note}", "Platinum");
        await page.ClickAsync($"li[data-field='{note}'] .field-settings button[type=submit]");
        await page.WaitForSelectorAsync("#error");
        Assert.Equal("Team", (await FieldAsync(api, id, note)).GetProperty("settings").GetProperty("condition").GetProperty("equals").GetString());

        // A formula naming a field that does not exist is refused and nothing changes.
        await page.GotoAsync($"/documents/{id}");
        await page.ClickAsync("#place-by-form summary");
        await page.SelectOptionAsync("#f-kind", "formula");
        await page.FillAsync("#f-y", "400");
        await page.ClickAsync("#add-field-submit");
        await page.WaitForSelectorAsync("#field-list");
        var total = (await FieldsAsync(api, id)).Single(f => f.GetProperty("kind").GetString() == "formula").GetProperty("id").GetString()!;
        await page.ClickAsync($"li[data-field='{total}'] .field-settings summary");
        await page.FillAsync($"#formula-{total}", "{seats} * 2");
        await page.ClickAsync($"li[data-field='{total}'] .field-settings button[type=submit]");
        await page.WaitForSelectorAsync("#error");
        Assert.Contains("seats", await page.InnerTextAsync("#error"), StringComparison.Ordinal);
        Assert.Equal("0", (await FieldAsync(api, id, total)).GetProperty("settings").GetProperty("formula").GetString());
        await page.GotoAsync($"/documents/{id}#field-list-title");
        await page.ClickAsync($"li[data-field='{note}'] .field-settings summary");
        await b.CheckPageAsync($"field-settings{suffix}");

        // Sent and signed with a file: the completed document lists it, and it downloads from the page.
        await PostOkAsync(api, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", "ada.settings@example.test");
        using (var signer = app.Web())
        {
            (await signer.GetAsync($"/api/v1/signing/{link}/document.pdf")).Dispose();
            (await signer.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })).Dispose();
            var order = SamplePdf("PO-7731");
            (await AttachmentTests.AttachAsync(signer, link, upload, order, "po-7731.pdf")).Dispose();
            await PostOkAsync(signer, $"/api/v1/signing/{link}/sign", new { typedName = "Ada Buyer", fields = new[] { new { id = plan, value = "Basic" } } });
        }
        await page.GotoAsync($"/documents/{id}");
        await page.WaitForSelectorAsync("#attachments");
        Assert.Contains("Purchase order: po-7731.pdf", await page.InnerTextAsync("#attachments"), StringComparison.Ordinal);
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#attachments a"));
        Assert.Equal("po-7731.pdf", download.SuggestedFilename);
        await page.Locator("#attachments").ScrollIntoViewIfNeededAsync();
        await b.CheckPageAsync($"field-settings-attachments{suffix}");
        b.AssertNoCspViolations();
    }

    /// <summary>After a save the page comes back with the settings folded away: the element is there, not visible.</summary>
    private static readonly Microsoft.Playwright.PageWaitForSelectorOptions Attached = new() { State = Microsoft.Playwright.WaitForSelectorState.Attached };

    private static async Task<List<JsonElement>> FieldsAsync(HttpClient api, string id) =>
        [.. (await api.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("fields").EnumerateArray()];

    private static async Task<JsonElement> FieldAsync(HttpClient api, string id, string fieldId) =>
        (await FieldsAsync(api, id)).Single(f => f.GetProperty("id").GetString() == fieldId);

    private static string[] Options(JsonElement field) =>
        [.. field.GetProperty("settings").GetProperty("options").EnumerateArray().Select(o => o.GetString()!)];
}
