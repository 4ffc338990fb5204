using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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
/// ADR 0011's throttles through the real hosts, with the throttle on a fake clock (no sleeps). Requests reach the API
/// tier as the web tier forwards them, with the person's address in X-Forwarded-For, so each test can play people at
/// several addresses.
/// </summary>
public sealed class ThrottleTests : IAsyncLifetime
{
    private const string Stranger = "203.0.113.50";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SigillApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await SigillApp.StartAsync(apiOverrides: services =>
            services.AddSingleton(sp => new Throttle(sp.GetRequiredService<Sigill.Api.Features.Accounts.Directory>(), _time)));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Failed_sign_ins_sign_ups_and_bad_invitation_links_from_one_address_count_separately()
    {
        // Fourteen failed sign-ins used to leave one sign-up before the address was blocked for an hour.
        for (var i = 0; i < 14; i++)
        {
            using var failed = await SignInAsync(_app, $"someone{i}@example.com", "not the password at all", clientIp: Stranger);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }
        for (var i = 0; i < 10; i++)
        {
            using var signUp = await PostAsync(Stranger, "/api/v1/regions/us/auth/sign-up",
                new { email = $"new{i}@example.com", password = Password, name = "New Person", organizationName = "New AB" });
            Assert.Equal(HttpStatusCode.Accepted, signUp.StatusCode);
        }
        for (var i = 0; i < 10; i++)
        {
            using var link = await PostAsync(Stranger, "/api/v1/regions/us/invitations/accept",
                new { invitation = Sigill.Api.Platform.Security.PresentedSecret.Invitation.Issue("us").Presented, password = Password });
            Assert.Equal(HttpStatusCode.NotFound, link.StatusCode);
        }
        // Each purpose has its own budget: sign-in still has six to go, sign-up and invitations are spent.
        for (var i = 14; i < 20; i++)
        {
            using var failed = await SignInAsync(_app, $"someone{i}@example.com", "not the password at all", clientIp: Stranger);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }
        using (var twentyFirst = await SignInAsync(_app, "someone20@example.com", "not the password at all", clientIp: Stranger))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, twentyFirst.StatusCode);
        }
        using (var eleventh = await PostAsync(Stranger, "/api/v1/regions/us/auth/sign-up", new { email = "new10@example.com", password = Password, name = "N", organizationName = "N AB" }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, eleventh.StatusCode);
        }
        // Another address is untouched by all of it.
        using var elsewhere = await PostAsync("198.51.100.20", "/api/v1/regions/us/auth/sign-up", new { email = "other@example.com", password = Password, name = "O", organizationName = "O AB" });
        Assert.Equal(HttpStatusCode.Accepted, elsewhere.StatusCode);
    }

    [Fact]
    public async Task Delays_grow_with_each_failure_up_to_a_cap_and_a_right_password_after_the_wait_clears_them()
    {
        await SignUpAsync(_app, "grow@example.com");
        var waits = new List<int>();
        for (var round = 0; round < 14; round++)
        {
            using var attempt = await SignInAsync(_app, "grow@example.com", "a wrong guess here", clientIp: Stranger);
            if (attempt.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var wait = (int)attempt.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
                waits.Add(wait);
                _time.Advance(TimeSpan.FromSeconds(wait)); // wait exactly as told, then guess again
                using var after = await SignInAsync(_app, "grow@example.com", "a wrong guess here", clientIp: Stranger);
                Assert.True(after.StatusCode == HttpStatusCode.Unauthorized, $"after waiting {string.Join(",", waits)}: {(int)after.StatusCode} {after.Headers.RetryAfter?.Delta}");
            }
            else
            {
                Assert.Equal(HttpStatusCode.Unauthorized, attempt.StatusCode);
            }
        }
        // Three at once, then 1 s, 2 s, 4 s … doubling to the 15-minute cap (IdentityOptions.Throttling.PasswordPerSource).
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900], waits.Take(11));
        Assert.All(waits.Skip(11), w => Assert.Equal(900, w));

        using (var stillWaiting = await SignInAsync(_app, "grow@example.com", Password, clientIp: Stranger))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, stillWaiting.StatusCode); // even the right password waits its turn there
        }
        _time.Advance(TimeSpan.FromMinutes(15));
        using (var right = await SignInAsync(_app, "grow@example.com", Password, clientIp: Stranger))
        {
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        }
        using var fresh = await SignInAsync(_app, "grow@example.com", "a wrong guess here", clientIp: Stranger);
        Assert.Equal(HttpStatusCode.Unauthorized, fresh.StatusCode); // the right password forgot that address's failures
    }

    [Fact]
    public async Task The_owner_still_signs_in_while_a_stranger_hammers_the_account_from_many_other_addresses()
    {
        var owner = await SignUpAsync(_app, "owner.hammered@example.com"); // signed up, and so known, from 127.0.0.1
        var recovery = await TurnOnAuthenticatorAsync(owner.Session);

        // A stranger rotates addresses: each gets three guesses, and the account's ceiling (10 from unfamiliar
        // addresses) slows all of them after that.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            for (var guess = 0; guess < 3; guess++)
            {
                using var response = await SignInAsync(_app, "owner.hammered@example.com", $"guess {i}-{guess} xxxx", clientIp: $"203.0.113.{100 + i}");
                statuses.Add(response.StatusCode);
            }
        }
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(14, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        using (var ceiling = await SignInAsync(_app, "owner.hammered@example.com", "another guess xx", clientIp: "203.0.113.200"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, ceiling.StatusCode);
            Assert.True(ceiling.Headers.RetryAfter!.Delta <= TimeSpan.FromMinutes(5), "the ceiling slows; it never locks for long");
        }

        // The owner, from the address they use, is not slowed at all: password, then the code.
        using (var usual = await SignInAsync(_app, "owner.hammered@example.com", Password, clientIp: "127.0.0.1"))
        {
            Assert.Equal(HttpStatusCode.OK, usual.StatusCode);
            var challenge = (await JsonAsync(usual)).GetProperty("challenge").GetString()!;
            using var code = await PostAsync("127.0.0.1", "/api/v1/regions/us/auth/second-factor", new { challenge, code = recovery[0] });
            Assert.Equal(HttpStatusCode.OK, code.StatusCode);
            Assert.StartsWith("sgs_us_", (await JsonAsync(code)).GetProperty("session").GetString(), StringComparison.Ordinal);
        }
        // From a new place the password alone waits like any guess (it tells nothing), but with the code it gets in.
        using (var newPlace = await SignInAsync(_app, "owner.hammered@example.com", Password, clientIp: "198.51.100.77"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, newPlace.StatusCode);
        }
        using (var withCode = await SignInAsync(_app, "owner.hammered@example.com", Password, clientIp: "198.51.100.78", code: recovery[1]))
        {
            Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);
            Assert.StartsWith("sgs_us_", (await JsonAsync(withCode)).GetProperty("session").GetString(), StringComparison.Ordinal);
        }
        // A stranger who guesses a code along with each password is answered exactly like one who does not.
        using var strangerWithCode = await SignInAsync(_app, "owner.hammered@example.com", "guess with a code", clientIp: "203.0.113.201", code: "123456");
        Assert.Equal(HttpStatusCode.TooManyRequests, strangerWithCode.StatusCode);
    }

    [Fact]
    public async Task An_unknown_account_is_throttled_exactly_like_a_known_one()
    {
        await SignUpAsync(_app, "known.throttle@example.com");
        var known = await SequenceAsync("known.throttle@example.com", "203.0.113.60", "203.0.113.61");
        var unknown = await SequenceAsync("nobody.throttle@example.com", "203.0.113.62", "203.0.113.63");
        Assert.Equal(known, unknown);
    }

    /// <summary>Sixteen wrong passwords from two addresses with waits between: every status, code and Retry-After.</summary>
    private async Task<List<string>> SequenceAsync(string email, string address, string otherAddress)
    {
        var seen = new List<string>();
        for (var i = 0; i < 16; i++)
        {
            using var response = await SignInAsync(_app, email, "wrong password guess", clientIp: i % 2 == 0 ? address : otherAddress);
            seen.Add($"{(int)response.StatusCode} {Code(await JsonAsync(response))} {response.Headers.RetryAfter?.Delta?.TotalSeconds}");
            if (i % 5 == 4)
            {
                _time.Advance(TimeSpan.FromSeconds(3));
            }
        }
        return seen;
    }

    private async Task<List<string>> TurnOnAuthenticatorAsync(string session)
    {
        using var client = As(_app, session);
        var secret = SecondFactorTests.Base32Decode((await (await client.PostAsync("/api/v1/account/totp", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!);
        using var confirmed = await client.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow) - 1) });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return [.. (await JsonAsync(confirmed)).GetProperty("codes").EnumerateArray().Select(c => c.GetString()!)];
    }

    private async Task<HttpResponseMessage> PostAsync(string clientIp, string path, object body)
    {
        using var api = _app.Api(withServiceCredential: true);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", clientIp);
        return await api.SendAsync(request);
    }
}
