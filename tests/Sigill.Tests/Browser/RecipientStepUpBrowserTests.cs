using System.Text.Json;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>A recipient the sender guarded with an access code passes it in Chromium before seeing or signing anything.</summary>
public sealed class RecipientStepUpBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_recipient_with_an_access_code_is_told_a_wrong_code_then_passes_and_signs()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Guarded", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Guarded lease Wren-4242", SamplePdf("Guarded clause"))).GetProperty("id").GetString()!;
        var ev = (await PostOkAsync(sender, $"/api/v1/documents/{id}/recipients",
            new { name = "Ev Guarded", email = "ev@example.test", stepUp = "access_code", accessCode = "tulip-4711" })).GetProperty("id").GetString()!;
        await AddFieldAsync(sender, id, ev, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });

        await using var e = await chromium.NewSessionAsync(app.WebUrl);
        await e.Page.GotoAsync($"/s/{LinkFor(app.DataDirectory, "eu", "ev@example.test")}");
        Assert.True(await e.Page.IsVisibleAsync("#verify"));
        Assert.False(await e.Page.IsVisibleAsync("#send-code")); // an access code is handed over by the sender, not e-mailed
        Assert.DoesNotContain("Wren-4242", await e.Page.ContentAsync(), StringComparison.Ordinal); // nothing of the document yet
        Assert.Equal(404, (await e.Page.APIRequest.GetAsync("/s/document.pdf")).Status);
        await e.CheckPageAsync("recipient-stepup-1-code");

        await e.Page.FillAsync("#code", "tulip-0000");
        await e.Page.ClickAsync("#verify-submit");
        await e.Page.WaitForSelectorAsync("#error");
        var error = await e.Page.InnerTextAsync("#error");
        Assert.Contains("The code is not right.", error, StringComparison.Ordinal);
        Assert.Contains("4 attempt(s) left", error, StringComparison.Ordinal);
        Assert.True(await e.Page.IsVisibleAsync("#verify"));
        await e.CheckPageAsync("recipient-stepup-2-wrong-code");

        await e.Page.FillAsync("#code", " tulip-4711 ");
        await e.Page.ClickAsync("#verify-submit");
        await e.Page.WaitForSelectorAsync("#consent");
        Assert.Contains("Guarded lease Wren-4242", await e.Page.InnerTextAsync("h1"), StringComparison.Ordinal);
        await e.Page.ClickAsync("#agree");
        await e.Page.WaitForSelectorAsync("body[data-pages-rendered=true]"); // the PDF came through with the grant
        await e.Page.FillAsync("#typed-name", "Ev Guarded");
        await e.Page.ClickAsync("#sign");
        await e.Page.WaitForSelectorAsync("#signed, #error", new() { Timeout = 60_000 }); // the last signature seals the document
        Assert.True(await e.Page.IsVisibleAsync("#signed"), await e.Page.InnerTextAsync("main"));
        e.AssertNoCspViolations();

        var doc = await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}"));
        Assert.Equal("completed", doc.GetProperty("status").GetString());
        var actions = (await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}/activity"))).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal(1, actions.Count(a => a == "step_up.failed"));
        Assert.Equal(1, actions.Count(a => a == "step_up.passed"));
    }
}
