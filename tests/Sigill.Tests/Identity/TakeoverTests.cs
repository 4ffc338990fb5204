using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.StaffAccess;
using Sigill.Tests.Documents;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Identity;

/// <summary>
/// Issue 14's account takeover, end to end: someone who knows the password of an account with an authenticator app
/// gets no further than a challenge, through the API or the web tier's pages, whichever way in they try.
/// On both backends (the two classes at the end); each test has an app of its own.
/// </summary>
public abstract class TakeoverTests(Backend backend) : IAsyncLifetime
{
    private const string VictimEmail = "vera.victim@example.com";
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync(backend);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_invitation_takeover_fails_at_its_first_step_and_the_victims_documents_stay_out_of_reach()
    {
        var (victim, recovery) = await VictimWithAuthenticatorAsync();
        var document = await DocumentKit.UploadOkAsync(As(_app, victim.Session), "Victim's contract", DocumentKit.SamplePdf("confidential"));
        var documentId = document.GetProperty("id").GetString()!;
        var attacker = await SignUpAsync(_app, "mallory@example.com", organization: "Mallory AB");
        using var attackerClient = As(_app, attacker.Session);
        (await attackerClient.PostAsJsonAsync("/api/v1/invitations", new { email = VictimEmail, role = "member" })).EnsureSuccessStatusCode();
        var invitation = InvitationFor(_app, VictimEmail);

        // Step one, accepting with the victim's password, yields a challenge — no session, no membership.
        using var web = _app.Web();
        using var accepted = await web.PostAsJsonAsync("/api/v1/regions/us/invitations/accept", new { invitation, password = Password });
        var answer = await JsonAsync(accepted);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("session").ValueKind);
        var challenge = answer.GetProperty("challenge").GetString()!;
        await using (var db = _app.Cells.Get("us").CreateDbContext())
        {
            Assert.False(await db.Memberships.AnyAsync(m => m.UserId == victim.UserId && m.OrganizationId == attacker.OrganizationId));
            Assert.Null((await db.Invitations.SingleAsync()).AcceptedAt);
        }

        // Guessing the code (from the attacker's own address) gets nowhere, and the challenge itself is no credential.
        using var fromElsewhere = _app.Api(withServiceCredential: true);
        fromElsewhere.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.66");
        foreach (var guess in new[] { "000000", "123456", "999999", "000001" })
        {
            using var guessed = await fromElsewhere.PostAsJsonAsync("/api/v1/regions/us/auth/second-factor", new { challenge, code = guess });
            Assert.Contains(guessed.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests });
            Assert.DoesNotContain("sgs_", await guessed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var withChallenge = As(_app, challenge))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await withChallenge.PostAsJsonAsync("/api/v1/account/organization", new { organizationId = victim.OrganizationId })).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await withChallenge.GetAsync($"/api/v1/documents/{documentId}")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await attackerClient.GetAsync($"/api/v1/documents/{documentId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await attackerClient.PostAsJsonAsync("/api/v1/account/organization", new { organizationId = victim.OrganizationId })).StatusCode);

        // The victim, with the code, joins as invited and still reads her own document after switching back.
        using var mine = await web.PostAsJsonAsync("/api/v1/regions/us/invitations/accept", new { invitation, password = Password });
        using var code = await web.PostAsJsonAsync("/api/v1/regions/us/auth/second-factor", new { challenge = (await JsonAsync(mine)).GetProperty("challenge").GetString(), code = recovery[0] });
        var joined = (await JsonAsync(code)).GetProperty("session").GetString()!;
        using var switched = await As(_app, joined).PostAsJsonAsync("/api/v1/account/organization", new { organizationId = victim.OrganizationId });
        var back = (await JsonAsync(switched)).GetProperty("session").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await As(_app, back).GetAsync($"/api/v1/documents/{documentId}")).StatusCode);
    }

    [Fact]
    public async Task An_account_with_an_authenticator_app_is_entered_through_no_page_with_its_password_alone()
    {
        var (_, recovery) = await VictimWithAuthenticatorAsync();
        var attacker = await SignUpAsync(_app, "mallory@example.com", organization: "Mallory AB");
        (await As(_app, attacker.Session).PostAsJsonAsync("/api/v1/invitations", new { email = VictimEmail, role = "member" })).EnsureSuccessStatusCode();
        var invitation = InvitationFor(_app, VictimEmail);

        // The sign-in page: the password leads to the code step, not in.
        using (var web = _app.Web())
        {
            using var signIn = await web.PostAsync("/sign-in", Form(await web.GetStringAsync("/sign-in"), ("Email", VictimEmail), ("Password", Password)));
            Assert.Equal("/sign-in", signIn.Headers.Location!.OriginalString);
            Assert.Contains("id=\"second-factor-form\"", await web.GetStringAsync("/sign-in"), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/account")).StatusCode);
        }
        // The sign-up page: "check your e-mail", no session.
        using (var web = _app.Web())
        {
            using var signUp = await web.PostAsync("/sign-up", Form(await web.GetStringAsync("/sign-up"), ("Name", "Mallory"), ("Email", VictimEmail), ("Password", Password),
                ("OrganizationName", "Mallory Two AB"), ("Region", "us")));
            Assert.Equal(HttpStatusCode.OK, signUp.StatusCode);
            Assert.False(signUp.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("sigill-session=", StringComparison.Ordinal)));
            Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/account")).StatusCode);
        }
        // The invitation page: the password leads to the sign-in page's code step; the code then joins and signs in.
        using (var web = _app.Web())
        {
            var page = await web.GetStringAsync($"/invitations/{invitation}");
            using var accept = await web.PostAsync($"/invitations/{invitation}", Form(page, ("Password", Password)));
            Assert.Equal(HttpStatusCode.Redirect, accept.StatusCode);
            Assert.Equal("/sign-in", accept.Headers.Location!.OriginalString);
            Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/account")).StatusCode);
            var codeStep = await web.GetStringAsync("/sign-in");
            Assert.Contains("id=\"second-factor-form\"", codeStep, StringComparison.Ordinal);
            using var code = await web.PostAsync("/sign-in?handler=SecondFactor", Form(codeStep, ("Code", recovery[1])));
            Assert.Equal("/account", code.Headers.Location!.OriginalString);
            Assert.Contains("Mallory AB", await web.GetStringAsync("/account"), StringComparison.Ordinal);
        }
    }

    private async Task<(Account Account, List<string> RecoveryCodes)> VictimWithAuthenticatorAsync()
    {
        var victim = await SignUpAsync(_app, VictimEmail, organization: "Vera AB");
        using var client = As(_app, victim.Session);
        var secret = SecondFactorTests.Base32Decode((await (await client.PostAsync("/api/v1/account/totp", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!);
        using var confirmed = await client.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow) - 1) });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return (victim, [.. (await JsonAsync(confirmed)).GetProperty("codes").EnumerateArray().Select(c => c.GetString()!)]);
    }

    /// <summary>The tests above on SQLite.</summary>
    public sealed class OnSqlite() : TakeoverTests(Backend.Sqlite);

    /// <summary>The tests above on PostgreSQL + S3.</summary>
    public sealed class OnPostgresS3() : TakeoverTests(Backend.PostgresS3);
}
