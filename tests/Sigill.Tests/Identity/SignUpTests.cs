using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.StaffAccess;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Identity;

/// <summary>
/// Sign-up with an e-mailed link: the same answer for every address, the owner of a taken one told by e-mail.
/// On both backends (the two classes at the end); each test has an app of its own.
/// </summary>
public abstract class SignUpTests(Backend backend) : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync(backend);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Sign_up_answers_a_new_and_a_taken_address_alike_and_tells_the_owner_of_the_taken_one_by_email()
    {
        await SignUpAsync(_app, "taken@example.com");
        var mailsBefore = Mails(_app).Count;
        using var web = _app.Web();
        using var taken = await web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up", new { email = "Taken@Example.com", password = Password, name = "Mallory", organizationName = "Probe AB" });
        using var fresh = await web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up", new { email = "fresh@example.com", password = Password, name = "Fiona", organizationName = "Fresh AB" });
        Assert.Equal(HttpStatusCode.Accepted, taken.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, fresh.StatusCode);
        Assert.Equal(await fresh.Content.ReadAsStringAsync(), await taken.Content.ReadAsStringAsync());
        Assert.Equal(fresh.Headers.Select(h => h.Key).Order(), taken.Headers.Select(h => h.Key).Order());

        var mails = Mails(_app).Skip(mailsBefore).ToList();
        Assert.Equal(2, mails.Count);
        var toOwner = Assert.Single(mails, m => m.Contains("Taken@Example.com", StringComparison.Ordinal));
        Assert.Contains("Someone tried to sign up", toOwner, StringComparison.Ordinal);
        Assert.DoesNotContain("/sign-up/sgv_", toOwner, StringComparison.Ordinal); // nothing in it makes a second account
        Assert.Contains("/sign-up/sgv_us_", Assert.Single(mails, m => m.Contains("fresh@example.com", StringComparison.Ordinal)), StringComparison.Ordinal);
        await using var db = _app.Cells.Get("us").CreateDbContext();
        Assert.Equal(1, await db.Set<PendingSignUp>().CountAsync()); // only the new address waits for its link
        Assert.Equal(1, await db.Users.CountAsync());
    }

    [Fact]
    public async Task A_pending_sign_up_stores_nothing_in_clear_and_its_link_makes_the_account_once()
    {
        using var web = _app.Web();
        using (var signUp = await web.PostAsJsonAsync("/api/v1/regions/eu/auth/sign-up",
            new { email = "pending.person@example.com", password = "pending passphrase 77", name = "Penny Pending", organizationName = "Pending Bageri AB" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, signUp.StatusCode);
        }
        var link = SignUpLinkFor(_app, "pending.person@example.com", "eu");
        await using (var db = _app.Cells.Get("eu").CreateDbContext())
        {
            var pending = await db.Set<PendingSignUp>().SingleAsync();
            Assert.StartsWith("$argon2id$", pending.PasswordHash, StringComparison.Ordinal);
            Assert.NotEqual(link.Split('_')[^1], Convert.ToHexStringLower(pending.SecretHash)); // the link only as its hash
        }
        await _app.StopServerAsync();
        foreach (var secret in new[] { "pending.person@example.com", "Penny Pending", "Pending Bageri AB", "pending passphrase 77", link.Split('_')[^1] })
        {
            Assert.DoesNotContain(await _app.PlacesContainingAsync(secret), f => !f.Contains("outbox", StringComparison.Ordinal));
        }
        await _app.RestartAsync();

        using var first = await VerifyAsync(_app, link);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var session = (await JsonAsync(first)).GetProperty("session").GetString()!;
        using var me = As(_app, session);
        var account = await me.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/account");
        Assert.Equal("Penny Pending", account.GetProperty("name").GetString());
        Assert.Equal("owner", account.GetProperty("role").GetString());
        Assert.Equal("Pending Bageri AB", (await me.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/organizations/current")).GetProperty("name").GetString());
        using (var signIn = await SignInAsync(_app, "pending.person@example.com", "pending passphrase 77", "eu"))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode); // the password chosen at sign-up
        }

        using var again = await VerifyAsync(_app, link);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("sign_up_link_invalid", Code(await JsonAsync(again)));
        await using var after = _app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(0, await after.Set<PendingSignUp>().CountAsync());
    }

    [Fact]
    public async Task An_expired_or_forged_sign_up_link_creates_nothing()
    {
        using var web = _app.Web();
        (await web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up", new { email = "late@example.com", password = Password, name = "Late", organizationName = "Late AB" })).EnsureSuccessStatusCode();
        var link = SignUpLinkFor(_app, "late@example.com");
        await using (var db = _app.Cells.Get("us").CreateDbContext())
        {
            await db.Set<PendingSignUp>().ExecuteUpdateAsync(u => u.SetProperty(p => p.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)));
        }
        var forged = link[..^1] + (link[^1] == 'a' ? 'b' : 'a');
        foreach (var token in new[] { forged, link, "sgv_us_nonsense", Sigill.Api.Platform.Security.PresentedSecret.SignUp.Issue("us").Presented })
        {
            using var response = await VerifyAsync(_app, token);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("sign_up_link_invalid", Code(await JsonAsync(response)));
        }
        await using var after = _app.Cells.Get("us").CreateDbContext();
        Assert.Equal(0, await after.Users.CountAsync());
        Assert.Equal(0, await after.Organizations.CountAsync());
    }

    [Fact]
    public async Task Two_sign_ups_for_one_address_racing_make_one_account_and_no_error()
    {
        using var web = _app.Web();
        var signUps = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up", new { email = "race@example.com", password = Password, name = $"Racer {i}", organizationName = $"Race {i} AB" })));
        Assert.All(signUps, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var links = Mails(_app).Select(m => System.Text.RegularExpressions.Regex.Match(m, "/sign-up/(sgv_[a-z0-9_]+)")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, links.Count);

        var verified = await Task.WhenAll(links.Select(l => VerifyAsync(_app, l)));
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.NotFound], verified.Select(v => v.StatusCode).Order());
        Assert.Equal("sign_up_link_invalid", Code(await JsonAsync(verified.Single(v => v.StatusCode == HttpStatusCode.NotFound))));
        await using var db = _app.Cells.Get("us").CreateDbContext();
        Assert.Equal(1, await db.Users.CountAsync());
        Assert.Equal(1, await db.Organizations.CountAsync());
        Assert.Equal(0, await db.Set<PendingSignUp>().CountAsync());
    }

    [Fact]
    public async Task Sign_up_mails_to_one_address_stop_after_a_few_and_the_answer_stays_the_same()
    {
        using var api = _app.Api(withServiceCredential: true);
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/regions/us/auth/sign-up")
            {
                Content = JsonContent.Create(new { email = "inbox@example.com", password = Password, name = "Inbox", organizationName = "Inbox AB" }),
            };
            request.Headers.Add("X-Forwarded-For", $"198.51.100.{10 + i}"); // from six places: no single address is slowed
            using var response = await api.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        // IdentityOptions.Throttling.SignUpMailsPerAddress: three, then nothing more for a while.
        Assert.Equal(3, Mails(_app).Count(m => m.Contains("inbox@example.com", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Setup_refuses_an_owner_address_that_already_has_an_account_and_its_link_still_works()
    {
        await SignUpAsync(_app, "early@example.com"); // sign-up is open before setup
        using var web = _app.Web();
        var token = _app.IssueSetupToken();
        using (var taken = await web.PostAsJsonAsync("/api/v1/setup", new { setupToken = token, organizationName = "Setup AB", region = "us", name = "Early", email = "early@example.com", password = Password }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
            Assert.Equal("validation_failed", Code(await JsonAsync(taken)));
        }
        using var other = await web.PostAsJsonAsync("/api/v1/setup", new { setupToken = token, organizationName = "Setup AB", region = "us", name = "Owner", email = "setup.owner@example.com", password = Password });
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.DoesNotContain("sgs_", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal); // setup gives an API token, never a session
    }

    /// <summary>The tests above on SQLite.</summary>
    public sealed class OnSqlite() : SignUpTests(Backend.Sqlite);

    /// <summary>The tests above on PostgreSQL + S3.</summary>
    public sealed class OnPostgresS3() : SignUpTests(Backend.PostgresS3);
}
