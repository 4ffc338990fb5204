using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.StaffAccess;
using Sigill.Tests.Identity.Sso;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Identity;

/// <summary>
/// The sign-in matrix, in the spirit of the authorization matrix: every route of the API tier, read from the live route
/// table, is classified as able to issue a session or not (an unclassified route fails the suite). Every route that can
/// is driven for an account with an authenticator app on its first factor alone — its password, its identity provider,
/// an invitation, an old sign-up link, a session from before the app — and must not answer a session; every route that
/// cannot is driven with that account's credentials and must never answer anything shaped like a session (<c>sgs_</c>).
/// </summary>
public sealed partial class SessionRoutesTests : IAsyncLifetime
{
    private const bool IssuesSession = true;
    private const bool NoSession = false;

    /// <summary>"METHOD pattern" → whether the route can answer with a session (<c>sgs_…</c>).</summary>
    private static readonly Dictionary<string, bool> Routes = new(StringComparer.Ordinal)
    {
        ["ANY /health/live"] = NoSession,
        ["ANY /health/ready"] = NoSession,
        ["ANY /metrics"] = NoSession,
        ["GET /api/v1/setup/"] = NoSession,
        ["POST /api/v1/setup/"] = NoSession,
        ["GET /api/v1/regions/{region}/sub-processors"] = NoSession,
        ["GET /api/v1/sub-processors"] = NoSession,
        ["GET /api/v1/trust"] = NoSession,
        ["GET /api/v1/organizations/current"] = NoSession,
        ["PATCH /api/v1/organizations/current"] = NoSession,
        ["GET /api/v1/organizations/current/logo"] = NoSession,
        ["PUT /api/v1/organizations/current/logo"] = NoSession,
        ["DELETE /api/v1/organizations/current/logo"] = NoSession,
        ["GET /api/v1/organizations/{id}"] = NoSession,
        ["GET /audit/{region}/checkpoint"] = NoSession,
        ["GET /audit/{region}/verifier-key"] = NoSession,
        ["GET /audit/{region}/tile/{**path}"] = NoSession,
        ["GET /audit/{region}/proof/inclusion"] = NoSession,
        ["GET /audit/{region}/proof/consistency"] = NoSession,
        ["GET /api/v1/audit/events/{id}/receipt"] = NoSession,
        ["GET /api/v1/pki/{region}/root.pem"] = NoSession,
        ["GET /pki/{region}/ca.crl"] = NoSession,
        ["GET /pki/{region}/ca.cer"] = NoSession,
        ["GET /api/v1/documents/"] = NoSession,
        ["GET /api/v1/documents/{id}"] = NoSession,
        ["GET /api/v1/documents/{id}/pdf"] = NoSession,
        ["GET /api/v1/documents/{id}/sealed.pdf"] = NoSession,
        ["GET /api/v1/documents/{id}/activity"] = NoSession,
        ["GET /api/v1/documents/{id}/attachments/{fieldId}"] = NoSession,
        ["POST /api/v1/documents/"] = NoSession,
        ["POST /api/v1/documents/from-template"] = NoSession,
        ["POST /api/v1/documents/{id}/recipients"] = NoSession,
        ["DELETE /api/v1/documents/{id}/recipients/{recipientId}"] = NoSession,
        ["POST /api/v1/documents/{id}/fields"] = NoSession,
        ["DELETE /api/v1/documents/{id}/fields/{fieldId}"] = NoSession,
        ["PATCH /api/v1/documents/{id}/fields/{fieldId}"] = NoSession,
        ["POST /api/v1/documents/{id}/send"] = NoSession,
        ["POST /api/v1/documents/{id}/void"] = NoSession,
        ["POST /api/v1/documents/{id}/recipients/{recipientId}/resend"] = NoSession,
        ["POST /api/v1/documents/{id}/recipients/{recipientId}/embed-url"] = NoSession,
        ["POST /api/v1/embed/{token}/open"] = NoSession,
        ["POST /api/v1/documents/{id}/embed-send-url"] = NoSession,
        ["POST /api/v1/embed/sign-out"] = NoSession,
        // Opens a session of one member scoped to one draft (Features/Embedding/EmbedSending), on the strength of a URL
        // an organization credential asked for; driven below.
        ["POST /api/v1/embed/{token}/open-send"] = IssuesSession,
        ["POST /api/v1/documents/{id}/remind"] = NoSession,
        ["PATCH /api/v1/documents/{id}/recipients/{recipientId}"] = NoSession,
        ["POST /api/v1/documents/{id}/duplicate"] = NoSession,
        ["DELETE /api/v1/documents/{id}"] = NoSession,
        ["GET /api/v1/templates/"] = NoSession,
        ["GET /api/v1/templates/{id}"] = NoSession,
        ["POST /api/v1/templates/{id}/preview"] = NoSession,
        ["PUT /api/v1/templates/{id}"] = NoSession,
        ["PUT /api/v1/templates/{id}/translations/{language}"] = NoSession,
        ["DELETE /api/v1/templates/{id}/translations/{language}"] = NoSession,
        ["GET /api/v1/templates/blocks"] = NoSession,
        ["POST /api/v1/templates/"] = NoSession,
        ["POST /api/v1/templates/blocks"] = NoSession,
        ["POST /api/v1/templates/{id}/direct-links/"] = NoSession,
        ["GET /api/v1/templates/{id}/direct-links/"] = NoSession,
        ["POST /api/v1/templates/{id}/direct-links/{linkId}/disable"] = NoSession,
        ["GET /api/v1/direct/{token}"] = NoSession,
        ["POST /api/v1/bulk-sends/preview"] = NoSession,
        ["POST /api/v1/bulk-sends/"] = NoSession,
        ["POST /api/v1/bulk-sends/{id}/cancel"] = NoSession,
        ["GET /api/v1/bulk-sends/"] = NoSession,
        ["GET /api/v1/bulk-sends/{id}"] = NoSession,
        ["GET /api/v1/bulk-sends/{id}/rows"] = NoSession,
        ["GET /api/v1/bulk-sends/{id}/report.csv"] = NoSession,
        ["POST /api/v1/direct/{token}/start"] = NoSession,
        ["GET /api/v1/signing/{token}/"] = NoSession,
        ["GET /api/v1/signing/{token}/document.pdf"] = NoSession,
        ["POST /api/v1/signing/{token}/consent"] = NoSession,
        ["POST /api/v1/signing/{token}/sign"] = NoSession,
        ["POST /api/v1/signing/{token}/decline"] = NoSession,
        ["POST /api/v1/signing/{token}/fields/{fieldId}/attachment"] = NoSession,
        ["POST /api/v1/regions/{region}/auth/locate"] = NoSession,
        ["POST /api/v1/regions/{region}/auth/sign-up"] = NoSession,
        ["POST /api/v1/regions/{region}/auth/sign-up/verify"] = IssuesSession,
        ["POST /api/v1/regions/{region}/auth/password-reset"] = NoSession,
        ["POST /api/v1/regions/{region}/auth/password-reset/complete"] = NoSession,
        ["POST /api/v1/regions/{region}/auth/sign-in"] = IssuesSession,
        ["POST /api/v1/regions/{region}/auth/second-factor"] = IssuesSession,
        ["POST /api/v1/regions/{region}/invitations/accept"] = IssuesSession,
        ["POST /api/v1/regions/{region}/auth/sso/start"] = NoSession,
        ["POST /api/v1/regions/{region}/auth/sso/callback"] = IssuesSession,
        ["GET /api/v1/organization/sso/"] = NoSession,
        ["PUT /api/v1/organization/sso/"] = NoSession,
        ["DELETE /api/v1/organization/sso/"] = NoSession,
        ["GET /api/v1/organization/embedding/"] = NoSession,
        ["PUT /api/v1/organization/embedding/"] = NoSession,
        ["GET /api/v1/account/"] = NoSession,
        ["POST /api/v1/account/sign-out"] = NoSession,
        ["GET /api/v1/account/sessions"] = NoSession,
        ["DELETE /api/v1/account/sessions/{id}"] = NoSession,
        ["POST /api/v1/account/sessions/revoke-all"] = NoSession,
        ["POST /api/v1/account/organization"] = IssuesSession,
        ["POST /api/v1/account/organizations"] = NoSession,
        ["POST /api/v1/account/password"] = NoSession,
        ["POST /api/v1/account/delete"] = NoSession,
        ["POST /api/v1/account/totp"] = NoSession,
        ["GET /api/v1/account/totp"] = NoSession,
        ["POST /api/v1/account/totp/confirm"] = NoSession,
        ["POST /api/v1/account/totp/disable"] = NoSession,
        ["GET /api/v1/account/notices"] = NoSession,
        ["PUT /api/v1/account/notices"] = NoSession,
        ["GET /api/v1/account/export"] = NoSession,
        ["GET /api/v1/tokens/"] = NoSession,
        ["POST /api/v1/tokens/"] = NoSession,
        ["DELETE /api/v1/tokens/{id}"] = NoSession,
        ["GET /api/v1/members/"] = NoSession,
        ["PATCH /api/v1/members/{userId}"] = NoSession,
        ["DELETE /api/v1/members/{userId}"] = NoSession,
        ["GET /api/v1/invitations/"] = NoSession,
        ["POST /api/v1/invitations/"] = NoSession,
        ["DELETE /api/v1/invitations/{id}"] = NoSession,
        ["POST /api/v1/support/grants"] = NoSession,
        ["GET /api/v1/support/grants"] = NoSession,
        ["POST /api/v1/support/break-glass"] = NoSession,
        ["POST /api/v1/support/break-glass/{id}/confirm"] = NoSession,
        ["GET /api/v1/organization/support-grants"] = NoSession,
        ["POST /api/v1/organization/support-grants/{id}/approve"] = NoSession,
        ["POST /api/v1/organization/support-grants/{id}/deny"] = NoSession,
        ["POST /api/v1/organization/support-grants/{id}/revoke"] = NoSession,
        ["GET /api/v1/organization/access-log"] = NoSession,
        ["POST /api/v1/signing/receipt"] = NoSession,
        ["GET /api/v1/delivery/{token}"] = NoSession,
        ["GET /api/v1/delivery/{token}/files/{fieldId}"] = NoSession,
        ["POST /api/v1/signing/{token}/step-up"] = NoSession,
        ["POST /api/v1/signing/{token}/step-up/code"] = NoSession,
        ["GET /api/v1/signing/{token}/privacy"] = NoSession,
        ["GET /api/v1/webhooks/"] = NoSession,
        ["GET /api/v1/webhooks/{id}/deliveries"] = NoSession,
        ["POST /api/v1/webhooks/"] = NoSession,
        ["DELETE /api/v1/webhooks/{id}"] = NoSession,
        ["GET /api/v1/organization/payments/"] = NoSession,
        ["PUT /api/v1/organization/payments/"] = NoSession,
        ["DELETE /api/v1/organization/payments/"] = NoSession,
        ["GET /api/v1/organization/access-reviews/"] = NoSession,
        ["POST /api/v1/privacy/search"] = NoSession,
        ["GET /api/v1/privacy/records-of-processing"] = NoSession,
        ["POST /api/v1/privacy/exports/"] = NoSession,
        ["GET /api/v1/privacy/exports/{id}"] = NoSession,
        ["POST /api/v1/privacy/erasures"] = NoSession,
        ["POST /api/v1/privacy/holds"] = NoSession,
        ["GET /api/v1/privacy/holds"] = NoSession,
        ["GET /api/v1/privacy/dpa"] = NoSession,
        ["POST /api/v1/privacy/dpa/accept"] = NoSession,
        ["POST /api/v1/privacy/holds/{id}/release"] = NoSession,
        ["GET /api/v1/privacy/retention"] = NoSession,
        ["PUT /api/v1/privacy/retention"] = NoSession,
        ["GET /api/v1/privacy/requests/"] = NoSession,
        ["POST /api/v1/privacy/requests/"] = NoSession,
        ["POST /api/v1/privacy/requests/{id}/actions"] = NoSession,
        ["POST /api/v1/regions/{region}/privacy-requests/"] = NoSession,
        ["POST /api/v1/regions/{region}/privacy-requests/confirm"] = NoSession,
        ["POST /api/v1/organization/access-reviews/"] = NoSession,
        ["GET /api/v1/organization/access-reviews/{id}"] = NoSession,
        ["PUT /api/v1/organization/access-reviews/{id}/items"] = NoSession,
        ["POST /api/v1/organization/access-reviews/{id}/attest"] = NoSession,
        ["PUT /api/v1/documents/{id}/payment/"] = NoSession,
        ["DELETE /api/v1/documents/{id}/payment/"] = NoSession,
        ["POST /api/v1/documents/{id}/payment/outside"] = NoSession,
        ["POST /api/v1/documents/{id}/payment/refunds"] = NoSession,
        ["GET /api/v1/pay/{token}/"] = NoSession,
        ["POST /api/v1/pay/{token}/checkout"] = NoSession,
        ["POST /api/v1/pay/{token}/return"] = NoSession,
        ["POST /api/v1/payments/stripe/{accountId}/events"] = NoSession,
        ["GET /api/v1/openapi.json"] = NoSession,
    };

    private SigillApp _app = null!;
    private TestIdentityProvider _idp = null!;
    private IReadOnlyList<(string Key, string Method, string Pattern)> _endpoints = [];

    public async Task InitializeAsync()
    {
        _app = await SigillApp.StartAsync(SsoTests.LoopbackAllowed);
        _idp = await TestIdentityProvider.StartAsync(new Uri(_app.WebUrl, "/sso/callback").AbsoluteUri);
        _endpoints = [.. _app.ApiServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => ($"{m} {e.RoutePattern.RawText}", m, e.RoutePattern.RawText ?? "")))];
    }

    public async Task DisposeAsync()
    {
        await _idp.DisposeAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// ada@sso.example: a password account that owns two organizations, the first connected to the test identity provider
    /// (which admits her), with an authenticator app turned on; an attacker's organization has invited her; a second
    /// sign-up link for her address predates her account.
    /// </summary>
    private sealed record Victim(string Email, string Session, string FirstOrganization, string SecondOrganization, IReadOnlyList<string> RecoveryCodes,
        string OldSignUpLink, string Invitation, string AttackerOrganization);

    [Fact]
    public void Every_route_in_the_route_table_is_classified_as_issuing_a_session_or_not()
    {
        var missing = _endpoints.Select(e => e.Key).Where(k => !Routes.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "routes not classified as issuing a session or not: " + string.Join("; ", missing));
        var stale = Routes.Keys.Where(k => _endpoints.All(e => e.Key != k)).ToList();
        Assert.True(stale.Count == 0, "classified routes that no longer exist: " + string.Join("; ", stale));
        var undriven = Routes.Where(r => r.Value == IssuesSession).Select(r => r.Key).Except(Drivers).ToList();
        Assert.True(undriven.Count == 0, "session-issuing routes without a drive for an account with a second factor: " + string.Join("; ", undriven));
    }

    [Fact]
    public async Task No_route_gives_an_account_with_an_authenticator_app_a_session_on_its_first_factor_alone()
    {
        var victim = await VictimAsync();
        var failures = new List<string>();
        foreach (var key in Routes.Where(r => r.Value == IssuesSession).Select(r => r.Key))
        {
            foreach (var (status, body) in await DriveAsync(key, victim))
            {
                if (body.Contains("sgs_", StringComparison.Ordinal))
                {
                    failures.Add($"{key} answered {(int)status} with a session: {body}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await using (var db = _app.Cells.Get("us").CreateDbContext())
        {
            var user = await db.Users.SingleAsync(u => u.EmailHash == _app.ApiServices.GetRequiredService<Sigill.Api.Features.Accounts.Directory>().EmailHash(victim.Email));
            Assert.False(await db.Memberships.AnyAsync(m => m.UserId == user.Id && m.OrganizationId == victim.AttackerOrganization)); // not joined
            Assert.Equal(1, await db.Users.CountAsync(u => u.EmailHash == user.EmailHash));
        }

        // The same drive sees a session once the second factor is given: the checks above can fail.
        using var web = _app.Web();
        using var accepted = await web.PostAsJsonAsync("/api/v1/regions/us/invitations/accept", new { invitation = victim.Invitation, password = Password });
        var challenge = (await JsonAsync(accepted)).GetProperty("challenge").GetString()!;
        using var answered = await web.PostAsJsonAsync("/api/v1/regions/us/auth/second-factor", new { challenge, code = victim.RecoveryCodes[5] });
        var session = (await JsonAsync(answered)).GetProperty("session").GetString()!;
        Assert.StartsWith("sgs_us_", session, StringComparison.Ordinal);
        using var joined = As(_app, session);
        Assert.Equal(victim.AttackerOrganization, (await joined.GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("organizationId").GetString());
        using var switched = await As(_app, victim.Session).PostAsJsonAsync("/api/v1/account/organization", new { organizationId = victim.SecondOrganization });
        Assert.StartsWith("sgs_us_", (await JsonAsync(switched)).GetProperty("session").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_route_classified_as_not_issuing_a_session_answers_with_one()
    {
        var victim = await VictimAsync();
        using var signIn = await SignInAsync(_app, victim.Email, Password);
        var challenge = (await JsonAsync(signIn)).GetProperty("challenge").GetString();
        var body = JsonSerializer.Serialize(new
        {
            email = victim.Email, password = Password, name = "Ada", organizationName = "Ada AB", challenge, invitation = victim.Invitation,
            token = victim.OldSignUpLink, organizationId = victim.SecondOrganization, region = "us",
        });
        var failures = new List<string>();
        foreach (var (key, method, pattern) in _endpoints.Where(e => Routes.TryGetValue(e.Key, out var issues) && !issues))
        {
            foreach (var credential in new[] { null, await FullSessionAsync(victim) })
            {
                using var api = _app.Api(withServiceCredential: true);
                using var request = new HttpRequestMessage(new HttpMethod(method == "ANY" ? "GET" : method), Concrete(pattern));
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                }
                if (credential is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
                }
                using var response = await api.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (text.Contains("sgs_", StringComparison.Ordinal))
                {
                    failures.Add($"{key} ({(credential is null ? "anonymous" : "signed in")}) answered {(int)response.StatusCode} with a session");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    /// <summary>The routes <see cref="DriveAsync"/> knows how to drive.</summary>
    private static readonly string[] Drivers =
    [
        "POST /api/v1/embed/{token}/open-send",
        "POST /api/v1/regions/{region}/auth/sign-in",
        "POST /api/v1/regions/{region}/auth/second-factor",
        "POST /api/v1/regions/{region}/invitations/accept",
        "POST /api/v1/regions/{region}/auth/sign-up/verify",
        "POST /api/v1/regions/{region}/auth/sso/callback",
        "POST /api/v1/account/organization",
    ];

    /// <summary>Drives one session-issuing route for the victim on a first factor alone; every answer it got.</summary>
    private async Task<List<(HttpStatusCode Status, string Body)>> DriveAsync(string key, Victim victim)
    {
        using var web = _app.Web();
        var answers = new List<(HttpStatusCode, string)>();
        async Task<string> PostAsync(HttpClient client, string path, object body, bool expectChallenge = false)
        {
            using var response = await client.PostAsJsonAsync(path, body);
            var text = await response.Content.ReadAsStringAsync();
            answers.Add((response.StatusCode, text));
            if (expectChallenge)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK && text.Contains("\"challenge\":\"sgc_us_", StringComparison.Ordinal), $"{key}: {text}");
            }
            return text;
        }
        switch (key)
        {
            case "POST /api/v1/regions/{region}/auth/sign-in":
                await PostAsync(web, "/api/v1/regions/us/auth/sign-in", new { email = victim.Email, password = Password }, expectChallenge: true);
                break;
            case "POST /api/v1/regions/{region}/auth/second-factor":
                var challenge = JsonDocument.Parse(await PostAsync(web, "/api/v1/regions/us/auth/sign-in", new { email = victim.Email, password = Password })).RootElement.GetProperty("challenge").GetString();
                await PostAsync(web, "/api/v1/regions/us/auth/second-factor", new { challenge });
                await PostAsync(web, "/api/v1/regions/us/auth/second-factor", new { challenge, code = Password });
                break;
            case "POST /api/v1/regions/{region}/invitations/accept":
                await PostAsync(web, "/api/v1/regions/us/invitations/accept", new { invitation = victim.Invitation, password = Password, name = "Ada" }, expectChallenge: true);
                break;
            case "POST /api/v1/regions/{region}/auth/sign-up/verify":
                await PostAsync(web, "/api/v1/regions/us/auth/sign-up/verify", new { token = victim.OldSignUpLink });
                break;
            case "POST /api/v1/regions/{region}/auth/sso/callback":
                var start = await SsoTests.StartAsync(_app, new { domainHash = SsoTests.DomainHash(_app, "sso.example") });
                var redirect = await TestIdentityProvider.SignInAsync(start.GetProperty("authorizationUrl").GetString()!, "ada");
                await PostAsync(web, "/api/v1/regions/us/auth/sso/callback",
                    new { state = TestIdentityProvider.Parameter(redirect, "state"), code = TestIdentityProvider.Parameter(redirect, "code") }, expectChallenge: true);
                break;
            case "POST /api/v1/account/organization":
                // A session from before the authenticator app was turned on: it never gave the second factor.
                using (var old = As(_app, await SessionAsync(victim, victim.FirstOrganization, "password")))
                {
                    await PostAsync(old, "/api/v1/account/organization", new { organizationId = victim.SecondOrganization }, expectChallenge: true);
                }
                break;
            case "POST /api/v1/embed/{token}/open-send":
                // No URL was issued for her (EmbedSendTests cover issued ones): unknown and malformed tokens open nothing.
                await PostAsync(web, $"/api/v1/embed/sge_us_{new string('a', 52)}/open-send", new { });
                await PostAsync(web, "/api/v1/embed/sge_us_short/open-send", new { });
                break;
            default:
                throw new InvalidOperationException($"no drive for {key}");
        }
        return answers;
    }

    private async Task<Victim> VictimAsync()
    {
        const string email = "ada@sso.example";
        using var web = _app.Web();
        for (var i = 0; i < 2; i++)
        {
            (await web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up", new { email, password = Password, name = "Ada Victim", organizationName = "Victim AB" })).EnsureSuccessStatusCode();
        }
        var links = Mails(_app).Select(m => SignUpLink().Match(m)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, links.Count);
        using var verified = await VerifyAsync(_app, links[0]);
        var account = await JsonAsync(verified);
        var session = account.GetProperty("session").GetString()!;
        using var me = As(_app, session);
        using var second = await me.PostAsJsonAsync("/api/v1/account/organizations", new { name = "Victim Two AB" });
        var secondOrganization = (await JsonAsync(second)).GetProperty("id").GetString()!;
        using (var connect = await me.PutAsJsonAsync("/api/v1/organization/sso", new
        {
            protocol = "oidc", issuer = _idp.Issuer, clientId = TestIdentityProvider.ClientId, clientSecret = TestIdentityProvider.ClientSecret,
            allowedDomains = new[] { "sso.example" }, passwordSignInAllowed = true,
        }))
        {
            Assert.True(connect.IsSuccessStatusCode, await connect.Content.ReadAsStringAsync());
        }
        var secret = SecondFactorTests.Base32Decode((await (await me.PostAsync("/api/v1/account/totp", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!);
        using var confirmed = await me.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow) - 1) });
        var recovery = (await JsonAsync(confirmed)).GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToList();

        var attacker = await SignUpAsync(_app, "mallory@attacker.example", organization: "Attacker AB");
        using (var invite = await As(_app, attacker.Session).PostAsJsonAsync("/api/v1/invitations", new { email, role = "member" }))
        {
            Assert.Equal(HttpStatusCode.Created, invite.StatusCode);
        }
        return new Victim(email, session, account.GetProperty("organizationId").GetString()!, secondOrganization, recovery, links[1],
            InvitationFor(_app, email), attacker.OrganizationId);
    }

    /// <summary>A session row for the victim, as sign-in would have made it with <paramref name="method"/>.</summary>
    private async Task<string> SessionAsync(Victim victim, string organizationId, string method)
    {
        await using var db = _app.Cells.Get("us").CreateDbContext();
        var userId = (await db.Sessions.AsNoTracking().FirstAsync(s => s.OrganizationId == victim.FirstOrganization)).UserId;
        var (presented, id, hash) = Sigill.Api.Platform.Security.PresentedSecret.Session.Issue("us");
        var now = DateTime.UtcNow;
        db.Sessions.Add(new Session { Id = id, UserId = userId, OrganizationId = organizationId, SecretHash = hash, Method = method, CreatedAt = now, LastSeenAt = now, ExpiresAt = now.AddHours(1) });
        await db.SaveChangesAsync();
        return presented;
    }

    private Task<string> FullSessionAsync(Victim victim) => SessionAsync(victim, victim.FirstOrganization, "password+totp");

    /// <summary>Fills route parameters with well-formed values of this installation's regions.</summary>
    private static string Concrete(string pattern) => Regex.Replace(pattern, "\\{\\*{0,2}([a-z]+)[^}]*\\}", m => m.Groups[1].Value switch
    {
        "region" => "us",
        "path" => "tile/0/000",
        _ => Sigill.Api.Platform.Cells.SigillId.New("obj", "us"),
    });

    [GeneratedRegex("/sign-up/(sgv_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial Regex SignUpLink();
}
