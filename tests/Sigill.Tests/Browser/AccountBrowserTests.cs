using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Browser;

/// <summary>A person signs up from the index page, signs out and signs in again in Chromium; axe and CSP checked on each page.</summary>
public sealed class AccountBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_person_signs_up_from_the_index_page_signs_out_and_signs_in_again()
    {
        await using var app = await SigillApp.StartAsync();
        await using var b = await chromium.NewSessionAsync(app.WebUrl);
        await b.Page.GotoAsync("/");
        await b.Page.ClickAsync("#sign-up-link");
        await b.Page.WaitForSelectorAsync("#sign-up-form");
        await b.CheckPageAsync("account-1-sign-up");
        await b.Page.FillAsync("#name", "Rut Browser");
        await b.Page.FillAsync("#email", "rut.browser@example.com");
        await b.Page.FillAsync("#password", "a sturdy passphrase 42");
        await b.Page.FillAsync("#organization", "Rut Browser AB");
        await b.Page.SelectOptionAsync("#region", "eu");
        await b.Page.ClickAsync("#sign-up-submit");
        await b.Page.WaitForSelectorAsync("#sign-up-sent");
        await b.CheckPageAsync("account-1b-check-your-email");
        // The e-mailed link opens a page with one button (a mail scanner fetching the link spends nothing).
        await b.Page.GotoAsync("/sign-up/" + Sigill.Tests.Identity.IdentityKit.SignUpLinkFor(app, "rut.browser@example.com", "eu"));
        await b.Page.WaitForSelectorAsync("#sign-up-verify-form");
        await b.CheckPageAsync("account-1c-finish-sign-up");
        await b.Page.ClickAsync("#sign-up-verify-submit");
        await b.Page.WaitForSelectorAsync("#account");
        // An authenticator app: the key as a QR code (drawn on the page, nothing fetched) and as text.
        await b.Page.ClickAsync("#totp-start");
        await b.Page.WaitForSelectorAsync("#totp-qr svg");
        await b.CheckPageAsync("account-1d-authenticator-qr");
        await b.Page.GotoAsync("/account");
        Assert.Equal("rut.browser@example.com", await b.Page.InnerTextAsync("#account-email"));
        Assert.Equal("Rut Browser AB", await b.Page.InnerTextAsync("#account-organization"));
        Assert.Equal("", await b.Page.EvaluateAsync<string>("() => document.cookie")); // HttpOnly: script sees no session
        await b.CheckPageAsync("account-2-account");

        await b.Page.ClickAsync("#sign-out");
        await b.Page.WaitForSelectorAsync("#sign-in-form");
        await b.Page.FillAsync("#email", "rut.browser@example.com");
        await b.Page.FillAsync("#password", "a wrong passphrase 42");
        await b.Page.ClickAsync("#sign-in-submit");
        await b.Page.WaitForSelectorAsync("#error");
        Assert.Equal("The e-mail address or the password is not correct.", await b.Page.InnerTextAsync("#error"));
        Assert.Equal("rut.browser@example.com", await b.Page.InputValueAsync("#email"));
        Assert.Equal("", await b.Page.InputValueAsync("#password")); // never rendered back
        await b.CheckPageAsync("account-3-sign-in-failed");
        await b.Page.FillAsync("#password", "a sturdy passphrase 42");
        await b.Page.ClickAsync("#sign-in-submit");
        await b.Page.WaitForSelectorAsync("#account");
        Assert.Equal("Rut Browser", await b.Page.InnerTextAsync("#account-name"));
        b.AssertNoCspViolations();
    }
}
