using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.StaffAccess;
using Sigill.Api.Platform.Security;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.SecondFactorTests;

namespace Sigill.Tests.Browser;

/// <summary>
/// The identity pages in Chromium: an owner turns on an authenticator app (recovery codes shown once) and is asked for
/// it at the next sign-in; makes an API token (secret shown once, works, then revoked); invites a colleague, who joins
/// from the e-mailed link in another browser; approves an operator's support request, and sees in the access log what
/// the operator did under it. Every page gets axe and the CSP check.
/// </summary>
public sealed class OrganizationBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    private const string Password = "a sturdy passphrase 42";

    [Fact]
    public async Task An_owner_secures_the_account_makes_a_token_invites_a_colleague_and_approves_staff_access()
    {
        await using var app = await SigillApp.StartAsync();
        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        var page = s.Page;
        await s.SignUpAsync(app, "Olga Owner", "olga.owner@example.com", "Owner Pages AB", "us");

        // The authenticator app: a key, a code from it, then recovery codes once.
        await page.ClickAsync("#totp-start");
        var secret = Base32Decode(await page.InnerTextAsync("#totp-secret"));
        await s.CheckPageAsync("identity-1-totp-setup");
        await page.FillAsync("#totp-code", "000000");
        await page.ClickAsync("#totp-confirm");
        await page.WaitForSelectorAsync("#error");
        // A mistyped code keeps the key already scanned: the same key is shown again, with the tries left.
        Assert.Equal(secret, Base32Decode(await page.InnerTextAsync("#totp-secret")));
        Assert.Contains("4 tries left", await page.InnerTextAsync("#error"), StringComparison.Ordinal);
        await page.FillAsync("#totp-code", Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow)));
        await page.ClickAsync("#totp-confirm");
        await page.WaitForSelectorAsync("#recovery-codes");
        Assert.Equal(10, await page.Locator("#recovery-codes li").CountAsync());
        await s.CheckPageAsync("identity-2-recovery-codes");
        await page.GotoAsync("/account");
        Assert.Equal("On", await page.InnerTextAsync("#account-totp"));
        Assert.Equal(0, await page.Locator("#recovery-codes").CountAsync()); // never shown again

        // An API token: shown once, works for its scope only, and stops on revoke.
        await page.GotoAsync("/tokens");
        await page.FillAsync("#token-name", "Reporting script");
        await page.CheckAsync("#scope-documents-read");
        await page.ClickAsync("#token-create");
        var token = await page.InnerTextAsync("#token-secret");
        Assert.StartsWith("sgl_us_", token, StringComparison.Ordinal);
        await s.CheckPageAsync("identity-3-token-created");
        using (var api = app.Web(token))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/documents")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync("/api/v1/templates")).StatusCode);
            await page.GotoAsync("/tokens");
            Assert.DoesNotContain(token, await page.ContentAsync(), StringComparison.Ordinal);
            await page.ClickAsync("button[aria-label='Revoke Reporting script']");
            await page.WaitForSelectorAsync("#tokens >> text=revoked");
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/documents")).StatusCode);
        }

        // A colleague is invited and joins from the e-mailed link in their own browser.
        await page.GotoAsync("/organization");
        await page.FillAsync("#invite-email", "mio.member@example.com");
        await page.ClickAsync("#invite-submit");
        await page.WaitForSelectorAsync("#notice");
        await s.CheckPageAsync("identity-4-organization");
        await using (var colleague = await chromium.NewSessionAsync(app.WebUrl))
        {
            await colleague.Page.GotoAsync($"/invitations/{IdentityKit.InvitationFor(app, "mio.member@example.com")}");
            await colleague.CheckPageAsync("identity-5-invitation");
            await colleague.Page.FillAsync("#name", "Mio Member");
            await colleague.Page.FillAsync("#password", Password);
            await colleague.Page.ClickAsync("#accept");
            await colleague.Page.WaitForSelectorAsync("#account");
            Assert.Equal("Owner Pages AB", await colleague.Page.InnerTextAsync("#account-organization"));
            Assert.Equal("member", await colleague.Page.InnerTextAsync("#account-role"));
            await colleague.Page.GotoAsync("/organization");
            Assert.Equal(0, await colleague.Page.Locator("#staff-access").CountAsync()); // a member does not decide on staff access
            colleague.AssertNoCspViolations();
        }
        await page.GotoAsync("/organization");
        Assert.Contains("Mio Member", await page.InnerTextAsync("#members"), StringComparison.Ordinal);

        // Single sign-on: an identity provider on a private address is refused by the SSRF guard, and nothing is saved.
        await page.ClickAsync("#sso-details summary");
        await page.FillAsync("#sso-issuer", "http://10.1.2.3/realms/acme");
        await page.FillAsync("#sso-client", "sigill");
        await page.FillAsync("#sso-secret", "client-secret-for-test");
        await page.FillAsync("#sso-domains", "example.com");
        await page.ClickAsync("#sso-save");
        await page.WaitForSelectorAsync("#error");
        Assert.StartsWith("Off.", await page.InnerTextAsync("#sso-status"), StringComparison.Ordinal);
        Assert.Equal("http://10.1.2.3/realms/acme", await page.InputValueAsync("#sso-issuer")); // kept for correcting

        // An operator asks for support access; nothing is readable until the owner approves it on the page.
        await page.GotoAsync("/account");
        var organizationId = await page.InnerTextAsync("#account-organization-id"); // what the customer tells support
        await page.GotoAsync("/organization");
        var operatorCredential = await AddOperatorAsync(app);
        using var staff = app.Web(operatorCredential);
        using var asked = await staff.PostAsJsonAsync("/api/v1/support/grants", new { organizationId, justification = "Customer reports a stuck document", ticket = "SUP-4711" });
        var grant = (await asked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        staff.DefaultRequestHeaders.Add("Sigill-Support-Grant", grant);
        Assert.NotEqual(HttpStatusCode.OK, (await staff.GetAsync("/api/v1/documents")).StatusCode);
        await page.ReloadAsync();
        Assert.Contains("SUP-4711", await page.InnerTextAsync("#grants"), StringComparison.Ordinal);
        await page.ClickAsync("#grant-approve");
        await page.WaitForSelectorAsync("#grant-revoke");
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/v1/documents")).StatusCode);
        await page.ReloadAsync(); // after post-redirect-get, a reload repeats nothing
        Assert.Equal(0, await page.Locator("#error").CountAsync());
        Assert.Contains("support.access", await page.InnerTextAsync("#access-log"), StringComparison.Ordinal);
        Assert.Contains("GET /api/v1/documents", await page.InnerTextAsync("#access-log"), StringComparison.Ordinal);
        await s.CheckPageAsync("identity-6-staff-access");
        await page.ClickAsync("#grant-revoke");
        await page.WaitForSelectorAsync("#notice");
        Assert.NotEqual(HttpStatusCode.OK, (await staff.GetAsync("/api/v1/documents")).StatusCode);

        // The next sign-in asks for the authenticator app.
        await page.GotoAsync("/account");
        await page.ClickAsync("#sign-out");
        await page.FillAsync("#email", "olga.owner@example.com");
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#sign-in-submit");
        await page.WaitForSelectorAsync("#code");
        s.AssertNoCspViolations();
    }

    private static async Task<string> AddOperatorAsync(SigillApp app)
    {
        await using var db = app.Cells.Get("us").CreateDbContext();
        var (presented, id, hash) = PresentedSecret.Operator.Issue("us");
        db.Operators.Add(new Operator { Id = id, Name = "Sam Support", SecretHash = hash, CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return presented;
    }
}
