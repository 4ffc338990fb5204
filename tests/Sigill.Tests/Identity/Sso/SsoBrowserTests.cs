using Sigill.Tests.Browser;

namespace Sigill.Tests.Identity.Sso;

/// <summary>Single sign-on in Chromium: the sign-in page, the real provider's login page, back to the web tier's callback and /account.</summary>
public sealed class SsoBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_person_signs_in_with_a_work_address_through_the_provider_and_lands_on_the_account_page()
    {
        await using var s = await SsoTests.ConnectedAsync();
        await using var b = await chromium.NewSessionAsync(s.App.WebUrl, mobile: false);
        await b.Page.GotoAsync("/sign-in");
        await b.Page.WaitForSelectorAsync("#sso-form");
        await b.CheckPageAsync("sso-1-sign-in");
        await b.Page.FillAsync("#sso-hint", "ada@sso.example");
        await b.Page.ClickAsync("#sso-submit");

        // The web tier hands the browser to the provider (Refresh, since form-action 'self' governs a post's redirects).
        await b.Page.WaitForSelectorAsync("#idp-form");
        Assert.StartsWith(s.Idp.Issuer + "/interaction/", b.Page.Url, StringComparison.Ordinal);
        await b.Page.FillAsync("#idp-login", "ada");
        await b.Page.FillAsync("#idp-password", TestIdentityProvider.Password);
        await b.Page.ClickAsync("#idp-submit");

        await b.Page.WaitForSelectorAsync("#account");
        Assert.Equal(new Uri(s.App.WebUrl, "/account").AbsoluteUri, b.Page.Url);
        Assert.Equal("ada@sso.example", await b.Page.InnerTextAsync("#account-email"));
        Assert.Equal("Acme SSO AB", await b.Page.InnerTextAsync("#account-organization"));
        Assert.Equal("", await b.Page.EvaluateAsync<string>("() => document.cookie")); // HttpOnly: script sees neither cookie
        var cookies = await b.Context.CookiesAsync();
        Assert.Contains(cookies, c => c.Name == "sigill-session");
        Assert.DoesNotContain(cookies, c => c.Name == "sigill-sso"); // spent by the callback
        b.AssertNoCspViolations();

        // An address whose domain no organization claims is told so, on the sign-in page.
        await using var other = await chromium.NewSessionAsync(s.App.WebUrl, mobile: false);
        await other.Page.GotoAsync("/sign-in");
        await other.Page.FillAsync("#sso-hint", "someone@unknown.example");
        await other.Page.ClickAsync("#sso-submit");
        await other.Page.WaitForSelectorAsync("#error");
        Assert.Equal("No single sign-on is set up for that e-mail address or organization.", await other.Page.InnerTextAsync("#error"));
        await other.CheckPageAsync("sso-2-not-configured");
    }
}
