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

/// <summary>Authenticator-app second factor and recovery codes. On both backends (the two classes at the end); each test has an app of its own.</summary>
public abstract class SecondFactorTests(Backend backend) : IAsyncLifetime
{
    /// <summary>
    /// The throttle's clock stands still (as in ThrottleTests): the guessing test expects three wrong codes and then waits,
    /// and a one-second wait must not run out between two slow sign-ins on a busy machine (it did, on PostgreSQL).
    /// </summary>
    private readonly FakeTimeProvider _throttleTime = new(DateTimeOffset.UtcNow);
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync(backend, apiOverrides: services =>
        services.AddSingleton(sp => new Throttle(sp.GetRequiredService<Sigill.Api.Features.Accounts.Directory>(), _throttleTime)));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void Totp_matches_the_RFC_6238_test_vectors()
    {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890"; the RFC prints 8 digits, authenticator apps use the last 6.
        var secret = System.Text.Encoding.ASCII.GetBytes("12345678901234567890");
        Assert.Equal("287082", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(59))));
        Assert.Equal("081804", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(1111111109))));
        Assert.Equal("050471", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(1111111111))));
        Assert.Equal("005924", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(1234567890))));
        Assert.Equal("279037", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(2000000000))));
    }

    [Fact]
    public async Task With_an_authenticator_app_sign_in_needs_a_code_that_works_once_and_recovery_codes_work_once()
    {
        var account = await SignUpAsync(_app, "mfa@example.com");
        using var client = As(_app, account.Session);
        var enrolment = await (await client.PostAsync("/api/v1/account/totp", null)).Content.ReadFromJsonAsync<JsonElement>();
        var secret = Base32Decode(enrolment.GetProperty("secret").GetString()!);
        Assert.StartsWith("otpauth://totp/Sigill:mfa%40example.com?secret=", enrolment.GetProperty("uri").GetString(), StringComparison.Ordinal);

        using (var bad = await client.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = "000000" == Now(secret) ? "111111" : "000000" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
        // The confirming code is the last one accepted: use the previous step's code there, so the sign-in below has a fresh one.
        var step = Totp.StepAt(DateTimeOffset.UtcNow);
        using var confirmed = await client.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = Totp.Code(secret, step - 1) });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var recovery = (await JsonAsync(confirmed)).GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, recovery.Count);

        // The password alone no longer signs in: it yields a challenge.
        var challenge = await ChallengeAsync();
        using (var missing = await SecondFactorAsync(challenge, "123"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        }
        var code = Totp.Code(secret, step);
        using (var ok = await SecondFactorAsync(challenge, code))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.StartsWith("sgs_us_", (await JsonAsync(ok)).GetProperty("session").GetString(), StringComparison.Ordinal);
        }
        // The same code again, on a new challenge, is refused: codes are single use.
        using (var replay = await SecondFactorAsync(await ChallengeAsync(), code))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
            Assert.Equal("second_factor_failed", Code(await JsonAsync(replay)));
        }
        // A recovery code works once.
        var challenge2 = await ChallengeAsync();
        using (var ok = await SecondFactorAsync(challenge2, recovery[3]))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("password+recovery", await MethodOfNewestSessionAsync((await JsonAsync(ok)).GetProperty("session").GetString()!));
        }
        using (var again = await SecondFactorAsync(await ChallengeAsync(), recovery[3]))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        }
        // A used challenge cannot be answered twice.
        using (var reused = await SecondFactorAsync(challenge2, recovery[4]))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, reused.StatusCode);
            Assert.Equal("challenge_invalid", Code(await JsonAsync(reused)));
        }
    }

    [Fact]
    public async Task Guessing_codes_is_throttled()
    {
        var account = await SignUpAsync(_app, "guess@example.com");
        using var client = As(_app, account.Session);
        var secret = Base32Decode((await (await client.PostAsync("/api/v1/account/totp", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow) - 1) })).StatusCode);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await SecondFactorAsync(await ChallengeAsync("guess@example.com"), $"{i:D6}" == Now(secret) ? "999999" : $"{i:D6}");
            statuses.Add(response.StatusCode);
        }
        // IdentityOptions.Throttling.CodesPerSource: three wrong codes at once, then a wait that doubles.
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 3), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)], statuses);
    }

    private static string Now(byte[] secret) => Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow));

    private async Task<string> ChallengeAsync(string email = "mfa@example.com")
    {
        using var response = await SignInAsync(_app, email, Password);
        var body = await JsonAsync(response);
        Assert.Equal("totp", body.GetProperty("secondFactor").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("session").ValueKind);
        return body.GetProperty("challenge").GetString()!;
    }

    private async Task<HttpResponseMessage> SecondFactorAsync(string challenge, string code)
    {
        using var web = _app.Web();
        return await web.PostAsJsonAsync("/api/v1/regions/us/auth/second-factor", new { challenge, code });
    }

    private async Task<string> MethodOfNewestSessionAsync(string session)
    {
        var sessions = await As(_app, session).GetFromJsonAsync<JsonElement>("/api/v1/account/sessions");
        return sessions.EnumerateArray().Single(s => s.GetProperty("current").GetBoolean()).GetProperty("method").GetString()!;
    }

    internal static byte[] Base32Decode(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. bytes];
    }

    /// <summary>The tests above on SQLite.</summary>
    public sealed class OnSqlite() : SecondFactorTests(Backend.Sqlite);

    /// <summary>The tests above on PostgreSQL + S3.</summary>
    public sealed class OnPostgresS3() : SecondFactorTests(Backend.PostgresS3);
}
