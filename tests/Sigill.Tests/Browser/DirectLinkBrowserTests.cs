using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// A template's direct link in Chromium: a stranger opens <c>/direct/{token}</c>, gives a name and an address, confirms the
/// address with the e-mailed code on the signing page and signs; the document completes. A disabled link says so.
/// </summary>
public sealed partial class DirectLinkBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [GeneratedRegex(@"verification code is (\d{6})")]
    private static partial Regex CodePattern();

    [Fact]
    public async Task A_stranger_opens_the_link_confirms_their_address_by_code_and_signs_their_own_document()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Open Forms", "eu");
        using var sender = app.Web(org.ApiToken);
        var templateId = (await PostOkAsync(sender, "/api/v1/templates", new { name = "Volunteer agreement", body = "# Volunteer agreement\nI help at {{ event }}.", variables = new[] { "event" } }))
            .GetProperty("id").GetString()!;
        var created = await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links",
            new { title = "Volunteer agreement 2027", variables = new Dictionary<string, string> { ["event"] = "the spring fair" } });
        var token = created.GetProperty("token").GetString()!;
        var linkId = created.GetProperty("link").GetProperty("id").GetString()!;

        await using var p = await chromium.NewSessionAsync(app.WebUrl);
        await p.Page.GotoAsync($"/direct/{token}");
        Assert.Contains("Volunteer agreement 2027", await p.Page.InnerTextAsync("h1"), StringComparison.Ordinal);
        await p.CheckPageAsync("direct-link-1-start");
        await using (var wide = await chromium.NewSessionAsync(app.WebUrl, mobile: false))
        {
            await wide.Page.GotoAsync($"/direct/{token}");
            await wide.CheckPageAsync("direct-link-1-start-desktop");
        }
        await p.Page.FillAsync("#name", "Vera Volunteer");
        await p.Page.FillAsync("#email", "vera@example.test");
        await p.Page.ClickAsync("#direct-link-start");

        // The normal signing page, which first confirms the address.
        await p.Page.WaitForSelectorAsync("#send-code");
        await p.Page.ClickAsync("#send-code");
        await p.Page.WaitForSelectorAsync("#code");
        var mail = Directory.GetFiles(Path.Combine(app.DataDirectory, "eu", "outbox"), "*.eml").Select(File.ReadAllText)
            .Single(t => t.Contains("vera@example.test", StringComparison.Ordinal));
        await p.Page.FillAsync("#code", CodePattern().Match(mail).Groups[1].Value);
        await p.Page.ClickAsync("#verify-submit");
        await p.Page.WaitForSelectorAsync("#consent");
        await p.Page.ClickAsync("#agree");
        await p.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        await p.Page.FillAsync("#typed-name", "Vera Volunteer");
        await p.Page.ClickAsync("#sign");
        await p.Page.WaitForSelectorAsync("#signed, #error", new() { Timeout = 60_000 });
        Assert.True(await p.Page.IsVisibleAsync("#signed"), await p.Page.InnerTextAsync("main"));
        p.AssertNoCspViolations();

        var documents = await OkJsonAsync(await sender.GetAsync("/api/v1/documents"));
        Assert.Equal("completed", documents.EnumerateArray().Single().GetProperty("status").GetString());

        // Disabled: the page says the link no longer works, at once.
        await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links/{linkId}/disable", new { });
        var gone = await p.Page.GotoAsync($"/direct/{token}");
        Assert.Equal(410, gone!.Status);
        Assert.Contains("disabled", await p.Page.InnerTextAsync("#error"), StringComparison.Ordinal);
        await p.CheckPageAsync("direct-link-2-disabled");
        await using var desktop = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        await desktop.Page.GotoAsync($"/direct/{token}");
        await desktop.CheckPageAsync("direct-link-3-disabled-desktop");
        Assert.Equal(404, (await p.Page.GotoAsync($"/direct/sgt_eu_{new string('a', 52)}"))!.Status);
    }
}
