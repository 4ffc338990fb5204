using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Browser;

/// <summary>
/// The Retention section of the organization page in Chromium, desktop and phone: an owner sees the defaults, a value the
/// API refuses is explained and nothing is stored, a valid policy is saved and shown again. Axe and the CSP check on each.
/// </summary>
public sealed class RetentionBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_owner_sets_the_retention_policy_and_is_told_clearly_when_a_value_is_refused()
    {
        await using var app = await SigillApp.StartAsync();
        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        var page = s.Page;
        await s.SignUpAsync(app, "Rita Owner", "rita.owner@example.com", "Retention Pages AB", "eu");
        await page.GotoAsync("/organization#retention");
        Assert.Equal("180", await page.InputValueAsync("#retention-drafts"));
        Assert.Equal("", await page.InputValueAsync("#retention-completed"));
        await s.CheckPageAsync("18-retention-desktop");

        // A browser that ignores min (or a hand-made post): the API refuses, the page says which rule and the range.
        await page.EvaluateAsync("document.querySelector('#retention-drafts').removeAttribute('min')");
        await page.FillAsync("#retention-drafts", "0");
        await page.ClickAsync("#save-retention");
        await page.WaitForSelectorAsync("#error");
        Assert.Contains("draftDays must be 1-3650 days", await page.InnerTextAsync("#error"), StringComparison.Ordinal);
        Assert.Equal("180", await page.InputValueAsync("#retention-drafts")); // nothing stored
        await s.CheckPageAsync("18-retention-refused");

        await page.FillAsync("#retention-drafts", "90");
        await page.FillAsync("#retention-completed", "10");
        await page.FillAsync("#retention-views", "");
        await page.ClickAsync("#save-retention");
        await page.WaitForSelectorAsync("#notice");
        Assert.Equal("90", await page.InputValueAsync("#retention-drafts"));
        Assert.Equal("10", await page.InputValueAsync("#retention-completed"));
        Assert.Equal("", await page.InputValueAsync("#retention-views"));

        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync("/organization#retention");
        await s.CheckPageAsync("18-retention-phone");
    }
}
