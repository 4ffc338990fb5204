using System.Net;
using System.Net.Http.Json;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The access review as an owner does it in Chromium (issue 19): from the organization page to the review, a decision for
/// each member and token, attest, and the token no longer works. Accessible (axe) at desktop and phone width.
/// </summary>
public sealed class AccessReviewBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_owner_reviews_members_and_tokens_in_the_browser_and_a_revoked_token_stops_working()
    {
        await using var app = await SigillApp.StartAsync();
        var owner = await SignUpAsync(app, "rita.review@example.com", organization: "Review Pages AB");
        string secret;
        using (var asOwner = As(app, owner.Session))
        using (var created = await asOwner.PostAsJsonAsync("/api/v1/tokens", new { name = "Old export script", scopes = new[] { "documents:read" } }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            secret = (await JsonAsync(created)).GetProperty("secret").GetString()!;
        }

        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        var p = s.Page;
        await p.GotoAsync("/sign-in");
        await p.FillAsync("#email", "rita.review@example.com");
        await p.FillAsync("#password", Password);
        await p.ClickAsync("#sign-in-submit");
        await p.WaitForURLAsync(u => !u.Contains("/sign-in", StringComparison.Ordinal));
        await p.GotoAsync("/organization");
        await p.ClickAsync("#access-review-link a");
        await p.ClickAsync("#start-review");
        await p.WaitForSelectorAsync("#review-form");
        Assert.Equal(1, await p.Locator("#review-members li").CountAsync());
        Assert.Contains("Old export script", await p.InnerTextAsync("#review-tokens"), StringComparison.Ordinal);

        await p.Locator("#review-members li input[value='keep']").CheckAsync();
        await p.Locator("#review-tokens li input[value='revoke']").CheckAsync();
        await s.CheckPageAsync("19-access-review-desktop");
        await p.SetViewportSizeAsync(390, 844);
        await s.CheckPageAsync("19-access-review-phone");
        await p.SetViewportSizeAsync(1280, 900);
        await p.ClickAsync("#save-decisions");
        await p.WaitForSelectorAsync("#attest");
        Assert.Equal(0, await p.Locator("#undecided").CountAsync());
        await p.ClickAsync("#attest");
        await p.WaitForSelectorAsync("#history");
        Assert.Contains("1 kept, 0 changed, 1 revoked", await p.InnerTextAsync("#history"), StringComparison.Ordinal);
        s.AssertNoCspViolations();

        using var asToken = As(app, secret);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asToken.GetAsync("/api/v1/documents")).StatusCode);
    }
}
