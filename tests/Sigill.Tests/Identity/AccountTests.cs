using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.StaffAccess;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Identity;

/// <summary>
/// Accounts and sessions end to end through the web tier: sign-up, sign-in, sessions, passwords, abuse.
/// On both backends (the two classes at the end); each test has an app of its own.
/// </summary>
public abstract class AccountTests(Backend backend) : IAsyncLifetime
{
    /// <summary>
    /// The throttle's clock stands still (as in ThrottleTests): the abuse tests expect "three at once, then a wait", and a
    /// one-second wait must not run out between two slow sign-ins on a busy machine (it did, on either backend).
    /// </summary>
    private readonly FakeTimeProvider _throttleTime = new(DateTimeOffset.UtcNow);
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync(backend, apiOverrides: services =>
        services.AddSingleton(sp => new Throttle(sp.GetRequiredService<Sigill.Api.Features.Accounts.Directory>(), _throttleTime)));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Sign_up_creates_an_owner_whose_session_sees_the_account_and_stores_no_plain_email()
    {
        var account = await SignUpAsync(_app, "ingrid.sign-up@example.com", "eu", "Ingrids Bageri AB");
        using var client = As(_app, account.Session);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/account");
        Assert.Equal("ingrid.sign-up@example.com", me.GetProperty("email").GetString());
        Assert.Equal("owner", me.GetProperty("role").GetString());
        Assert.Equal("eu", me.GetProperty("region").GetString());
        Assert.StartsWith("usr_eu_", me.GetProperty("userId").GetString(), StringComparison.Ordinal);
        var org = await client.GetFromJsonAsync<JsonElement>("/api/v1/organizations/current");
        Assert.Equal("Ingrids Bageri AB", org.GetProperty("name").GetString());

        await _app.StopServerAsync();
        // The outbox holds what was e-mailed (the link went to the address); nothing else holds the address in clear.
        Assert.DoesNotContain(await _app.PlacesContainingAsync("ingrid.sign-up@example.com"), f => !f.Contains("outbox", StringComparison.Ordinal));
        Assert.Empty(await _app.PlacesContainingAsync("Kit Person"));
    }

    [Theory]
    [InlineData("short", "at least 10")]
    [InlineData("password123", "breached")]
    [InlineData("Qwertyuiop", "breached")]
    public async Task Weak_and_breached_passwords_are_refused_and_nothing_is_stored(string password, string message)
    {
        using var web = _app.Web();
        using var response = await web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up", new { email = "weak@example.com", password, name = "Weak", organizationName = "Weak AB" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("validation_failed", Code(problem));
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await using var db = _app.Cells.Get("us").CreateDbContext();
        Assert.Equal(0, await db.Users.CountAsync());
        Assert.Equal(0, await db.Organizations.CountAsync());
        Assert.Equal(0, await db.Set<PendingSignUp>().CountAsync());
        Assert.Empty(Mails(_app));
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_account_answer_exactly_alike()
    {
        await SignUpAsync(_app, "known@example.com");
        using var wrong = await SignInAsync(_app, "known@example.com", "not the password at all");
        using var unknown = await SignInAsync(_app, "nobody@example.com", "not the password at all");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        var (a, b) = (await JsonAsync(wrong), await JsonAsync(unknown));
        Assert.Equal("sign_in_failed", Code(a));
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
        Assert.Equal(a.EnumerateObject().Select(p => p.Name).Order(), b.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task Guessing_one_password_from_one_place_is_slowed_the_same_way_for_unknown_accounts()
    {
        await SignUpAsync(_app, "target@example.com");
        foreach (var email in new[] { "target@example.com", "ghost@example.com" })
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 6; i++)
            {
                using var response = await SignInAsync(_app, email, $"guess number {i} xx", clientIp: "203.0.113.7");
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
                    Assert.Equal("too_many_attempts", Code(await JsonAsync(response)));
                }
            }
            // IdentityOptions.Throttling.PasswordPerSource: three at once, then a wait that doubles (ADR 0011).
            Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 3), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)], statuses);
        }
        // While that place waits even the right password is refused there: a lucky guess learns nothing.
        using var right = await SignInAsync(_app, "target@example.com", Password, clientIp: "203.0.113.7");
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        // The owner, where they signed up, is not held up by it.
        using var owner = await SignInAsync(_app, "target@example.com", Password);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task Credential_stuffing_across_many_accounts_is_throttled_per_address()
    {
        var statuses = new List<HttpStatusCode>();
        for (var account = 0; account < 8; account++)
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                using var response = await SignInAsync(_app, $"victim{account}@example.com", "Summer2026!!");
                statuses.Add(response.StatusCode);
            }
        }
        // IdentityOptions.Throttling.SignInsPerSource: 20 at once from one address, whichever accounts they name.
        Assert.Equal(20, statuses.TakeWhile(s => s == HttpStatusCode.Unauthorized).Count());
        Assert.All(statuses.Skip(20), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }

    [Fact]
    public async Task Sign_ups_from_one_address_are_throttled_and_a_refused_sign_up_stores_nothing()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var web = _app.Web();
            using var response = await web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up",
                new { email = $"bulk{i}@example.com", password = Password, name = "Bulk Person", organizationName = $"Bulk {i} AB" });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
                Assert.Equal("too_many_attempts", Code(await JsonAsync(response)));
            }
        }
        // IdentityOptions.Throttling.SignUpsPerSource: 10 at once from one address.
        Assert.Equal(10, statuses.TakeWhile(s => s == HttpStatusCode.Accepted).Count());
        Assert.All(statuses.Skip(10), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        await using var db = _app.Cells.Get("us").CreateDbContext();
        Assert.Equal(10, await db.Set<PendingSignUp>().CountAsync());
        Assert.Equal(0, await db.Users.CountAsync()); // accounts exist only once a link is followed
        Assert.Equal(10, Mails(_app).Count);
    }

    [Fact]
    public async Task Every_sign_in_starts_a_new_session_and_sessions_can_be_listed_and_revoked()
    {
        var account = await SignUpAsync(_app, "sessions@example.com");
        using var second = await SignInAsync(_app, "sessions@example.com", Password);
        var secondSession = (await JsonAsync(second)).GetProperty("session").GetString()!;
        Assert.NotEqual(account.Session, secondSession); // a new id and secret each time: nothing to fixate

        using var first = As(_app, account.Session);
        var sessions = await first.GetFromJsonAsync<JsonElement>("/api/v1/account/sessions");
        Assert.Equal(2, sessions.GetArrayLength());
        var other = sessions.EnumerateArray().Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await first.DeleteAsync($"/api/v1/account/sessions/{other}")).StatusCode);
        using (var revoked = As(_app, secondSession))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await revoked.GetAsync("/api/v1/account")).StatusCode);
        }

        // Another person's session id answers 404, like one that does not exist.
        var stranger = await SignUpAsync(_app, "stranger@example.com");
        var strangerSession = (await As(_app, stranger.Session).GetFromJsonAsync<JsonElement>("/api/v1/account/sessions"))[0].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NotFound, (await first.DeleteAsync($"/api/v1/account/sessions/{strangerSession}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await first.PostAsync("/api/v1/account/sessions/revoke-all", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await first.GetAsync("/api/v1/account")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As(_app, stranger.Session).GetAsync("/api/v1/account")).StatusCode);
    }

    [Fact]
    public async Task Sessions_end_after_the_idle_timeout_and_the_absolute_timeout()
    {
        var idle = await SignUpAsync(_app, "idle@example.com");
        var old = await SignUpAsync(_app, "absolute@example.com");
        await using (var db = _app.Cells.Get("us").CreateDbContext())
        {
            var now = DateTime.UtcNow;
            await db.Sessions.Where(s => s.UserId == idle.UserId).ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now.AddMinutes(-31)));
            await db.Sessions.Where(s => s.UserId == old.UserId).ExecuteUpdateAsync(u => u.SetProperty(s => s.ExpiresAt, now.AddSeconds(-1)));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await As(_app, idle.Session).GetAsync("/api/v1/account")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await As(_app, old.Session).GetAsync("/api/v1/account")).StatusCode);
    }

    [Fact]
    public async Task Changing_the_password_signs_out_every_other_session()
    {
        var account = await SignUpAsync(_app, "rotate@example.com");
        using var elsewhere = await SignInAsync(_app, "rotate@example.com", Password);
        var other = (await JsonAsync(elsewhere)).GetProperty("session").GetString()!;
        using var client = As(_app, account.Session);
        using var wrong = await client.PostAsJsonAsync("/api/v1/account/password", new { currentPassword = "wrong wrong wrong", newPassword = "a brand new passphrase" });
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        using var ok = await client.PostAsJsonAsync("/api/v1/account/password", new { currentPassword = Password, newPassword = "a brand new passphrase" });
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await As(_app, other).GetAsync("/api/v1/account")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/account")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(_app, "rotate@example.com", Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(_app, "rotate@example.com", "a brand new passphrase")).StatusCode);
    }

    [Fact]
    public async Task Passwords_are_stored_as_argon2id_and_the_directory_hash_is_the_only_lookup()
    {
        var account = await SignUpAsync(_app, "hash@example.com");
        await using var db = _app.Cells.Get("us").CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Id == account.UserId);
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", user.PasswordHash, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{64}$", user.EmailHash);
        using var web = _app.Web();
        var located = await (await web.PostAsJsonAsync("/api/v1/regions/us/auth/locate", new { emailHash = user.EmailHash })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(located.GetProperty("known").GetBoolean());
        var elsewhere = await (await web.PostAsJsonAsync("/api/v1/regions/eu/auth/locate", new { emailHash = user.EmailHash })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(elsewhere.GetProperty("known").GetBoolean());
    }

    /// <summary>The tests above on SQLite.</summary>
    public sealed class OnSqlite() : AccountTests(Backend.Sqlite);

    /// <summary>The tests above on PostgreSQL + S3.</summary>
    public sealed class OnPostgresS3() : AccountTests(Backend.PostgresS3);
}
