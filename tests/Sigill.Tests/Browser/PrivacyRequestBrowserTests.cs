using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// Privacy requests in Chromium (issue 18 part 5): a person asks at the public form and confirms by the e-mailed link; the
/// owner finds the request from the organization page. Each page accessible (axe) at desktop and phone width, no script.
/// </summary>
public sealed partial class PrivacyRequestBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_person_asks_and_confirms_and_the_owner_sees_the_request_with_its_deadline()
    {
        await using var app = await SigillApp.StartAsync();
        await SignUpAsync(app, "pia.owner@example.com", "eu", "Privacy Pages AB");

        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        var p = s.Page;
        await p.GotoAsync("/privacy/request");
        await p.FillAsync("#email", "pia.owner@example.com");
        await p.Locator("input[value='erasure']").CheckAsync();
        await p.FillAsync("#message", "Please erase my old contracts.");
        await s.CheckPageAsync("18-privacy-request-desktop");
        await p.SetViewportSizeAsync(390, 844);
        await s.CheckPageAsync("18-privacy-request-phone");
        await p.SetViewportSizeAsync(1280, 900);
        await p.ClickAsync("#privacy-request-submit");
        await p.WaitForSelectorAsync("#privacy-request-sent");
        await s.CheckPageAsync("18-privacy-request-sent");

        var link = ConfirmLink().Match(Mails(app, "eu").Last(m => ConfirmLink().IsMatch(m))).Groups[1].Value;
        await p.GotoAsync($"/privacy/request/{link}");
        await s.CheckPageAsync("18-privacy-request-confirm");
        await p.ClickAsync("#privacy-request-confirm-submit");
        await p.WaitForSelectorAsync("#privacy-request-confirmed");

        await p.GotoAsync("/sign-in");
        await p.FillAsync("#email", "pia.owner@example.com");
        await p.FillAsync("#password", Password);
        await p.ClickAsync("#sign-in-submit");
        await p.WaitForURLAsync(u => !u.Contains("/sign-in", StringComparison.Ordinal));
        await p.GotoAsync("/organization");
        await p.ClickAsync("#link-privacy-requests");
        await p.WaitForSelectorAsync("#requests article");
        Assert.Contains("Erasure request from pia.owner@example.com", await p.InnerTextAsync("#requests"), StringComparison.Ordinal);
        await s.CheckPageAsync("18-privacy-requests-desktop");
        await p.SetViewportSizeAsync(390, 844);
        await s.CheckPageAsync("18-privacy-requests-phone");
        s.AssertNoCspViolations();
    }

    [GeneratedRegex("/privacy/request/(sgq_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial Regex ConfirmLink();
}
