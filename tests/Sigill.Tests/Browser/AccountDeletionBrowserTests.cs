using System.Net;
using System.Net.Http.Json;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Browser;

/// <summary>
/// "Delete my account" on the account page in Chromium: the last owner is told which organization to hand over and keeps
/// the account; a member confirms with the password, lands on sign-in told it is done, and cannot sign in again. Axe and
/// CSP checked; screenshots on desktop and phone.
/// </summary>
public sealed class AccountDeletionBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task The_last_owner_is_told_what_to_do_and_a_member_deletes_their_account_with_the_password()
    {
        await using var app = await SigillApp.StartAsync();
        var owner = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Handover AB");
        using (var asOwner = app.Web(owner.Session))
        using (var invited = await asOwner.PostAsJsonAsync("/api/v1/invitations", new { email = "mia.member@example.com", role = "member" }))
        {
            Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        }
        using (var web = app.Web())
        using (var accepted = await web.PostAsJsonAsync("/api/v1/regions/eu/invitations/accept",
            new { invitation = IdentityKit.InvitationFor(app, "mia.member@example.com", "eu"), password = IdentityKit.Password, name = "Mia Member" }))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        await using (var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false))
        {
            var p = s.Page;
            await SignInAsync(p, "olle.owner@example.com");
            await p.ClickAsync("#delete-account-details summary");
            await p.FillAsync("#delete-password", IdentityKit.Password);
            await s.CheckPageAsync("account-delete-1-confirm-desktop");
            await p.ClickAsync("#delete-account-button");
            await p.WaitForSelectorAsync("#last-owner");
            Assert.Contains(owner.OrganizationId, await p.InnerTextAsync("#last-owner-organizations"), StringComparison.Ordinal);
            Assert.Contains("make another member owner", await p.InnerTextAsync("#last-owner"), StringComparison.Ordinal);
            await s.CheckPageAsync("account-delete-2-last-owner-desktop");
            await p.SetViewportSizeAsync(390, 844);
            await s.CheckPageAsync("account-delete-2-last-owner-phone");
            await p.GotoAsync("/account");
            Assert.Equal("olle.owner@example.com", await p.InnerTextAsync("#account-email")); // still there
            s.AssertNoCspViolations();
        }

        await using (var s = await chromium.NewSessionAsync(app.WebUrl, mobile: true))
        {
            var p = s.Page;
            await SignInAsync(p, "mia.member@example.com");
            await p.ClickAsync("#delete-account-details summary");
            await p.FillAsync("#delete-password", "not my password at all");
            await p.ClickAsync("#delete-account-button");
            await p.WaitForSelectorAsync("#error");
            Assert.Contains("not correct", await p.InnerTextAsync("#error"), StringComparison.Ordinal);
            await p.ClickAsync("#delete-account-details summary");
            await p.FillAsync("#delete-password", IdentityKit.Password);
            await s.CheckPageAsync("account-delete-3-confirm-phone");
            await p.ClickAsync("#delete-account-button");
            await p.WaitForSelectorAsync("#account-deleted");
            await s.CheckPageAsync("account-delete-4-done-phone");
            await p.GotoAsync("/account");
            await p.WaitForSelectorAsync("#sign-in-form"); // the session went with the account
            await p.FillAsync("#email", "mia.member@example.com");
            await p.FillAsync("#password", IdentityKit.Password);
            await p.ClickAsync("#sign-in-submit");
            await p.WaitForSelectorAsync("#error");
            Assert.Equal("The e-mail address or the password is not correct.", await p.InnerTextAsync("#error"));
            s.AssertNoCspViolations();
        }
    }

    private static async Task SignInAsync(Microsoft.Playwright.IPage p, string email)
    {
        await p.GotoAsync("/sign-in");
        await p.FillAsync("#email", email);
        await p.FillAsync("#password", IdentityKit.Password);
        await p.ClickAsync("#sign-in-submit");
        await p.WaitForSelectorAsync("#account");
    }
}
