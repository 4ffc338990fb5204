using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.SingleSignOn;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Identity.Sso;

/// <summary>
/// OpenID Connect single sign-on against a real provider (npm oidc-provider on loopback): an admin connects the
/// organization, people sign in through the provider and get a normal session, and every forged, replayed or
/// mismatched answer is refused with its own problem code and stores nothing. On both backends, each test with an
/// installation and a provider of its own.
/// </summary>
public sealed class SsoTests
{
    /// <summary>The provider runs on loopback, which the SSRF guard refuses unless the installation allows it.</summary>
    internal const string LoopbackAllowed = """{ "Webhooks": { "AllowedNetworks": [ "127.0.0.1/32" ] } }""";

    internal sealed record Setup(SigillApp App, TestIdentityProvider Idp, Account Owner, HttpClient Admin) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Admin.Dispose();
            await Idp.DisposeAsync();
            await App.DisposeAsync();
        }
    }

    /// <summary>An installation, a provider, and an organization (owner owner@acme.example) connected to it for sso.example.</summary>
    internal static async Task<Setup> ConnectedAsync(Backend backend = Backend.Sqlite, bool passwordSignInAllowed = true)
    {
        var app = await SigillApp.StartAsync(backend, LoopbackAllowed);
        var idp = await TestIdentityProvider.StartAsync(new Uri(app.WebUrl, "/sso/callback").AbsoluteUri);
        var owner = await SignUpAsync(app, "owner@acme.example", organization: "Acme SSO AB");
        var admin = As(app, owner.Session);
        using var put = await admin.PutAsJsonAsync("/api/v1/organization/sso", new
        {
            protocol = "oidc", issuer = idp.Issuer, clientId = TestIdentityProvider.ClientId, clientSecret = TestIdentityProvider.ClientSecret,
            allowedDomains = new[] { "sso.example", "Acme.Example" }, passwordSignInAllowed,
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return new Setup(app, idp, owner, admin);
    }

    internal static string DomainHash(SigillApp app, string domain) =>
        app.ApiServices.GetRequiredService<Sigill.Api.Features.Accounts.Directory>().DomainHash(domain);

    internal static async Task<JsonElement> StartAsync(SigillApp app, object request, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var web = app.Web();
        using var response = await web.PostAsJsonAsync("/api/v1/regions/us/auth/sso/start", request);
        var body = await JsonAsync(response);
        Assert.True(response.StatusCode == expected, body.ToString());
        return body;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> CallbackAsync(SigillApp app, string state, string code, string? iss = null)
    {
        using var web = app.Web();
        using var response = await web.PostAsJsonAsync("/api/v1/regions/us/auth/sso/callback", new { state, code, iss });
        return (response.StatusCode, await JsonAsync(response));
    }

    /// <summary>Start by domain, sign in at the provider as <paramref name="login"/>, and hand the answer to Sigill's callback.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body, Uri Redirect)> SignInThroughProviderAsync(SigillApp app, string login,
        Func<string, string>? tamperAuthorizationUrl = null)
    {
        var start = await StartAsync(app, new { domainHash = DomainHash(app, "sso.example") });
        var url = start.GetProperty("authorizationUrl").GetString()!;
        var redirect = await TestIdentityProvider.SignInAsync(tamperAuthorizationUrl?.Invoke(url) ?? url, login);
        var (status, body) = await CallbackAsync(app, TestIdentityProvider.Parameter(redirect, "state"), TestIdentityProvider.Parameter(redirect, "code"));
        return (status, body, redirect);
    }

    private static void Refused(HttpStatusCode expectedStatus, string expectedCode, HttpStatusCode status, JsonElement problem)
    {
        Assert.True(status == expectedStatus, $"expected {(int)expectedStatus}, got {(int)status}: {problem}");
        Assert.Equal(expectedCode, Code(problem));
    }

    private static async Task<(int Users, int Sessions, int Members)> CountsAsync(SigillApp app)
    {
        await using var db = app.Cells.Get("us").CreateDbContext();
        return (await db.Users.CountAsync(), await db.Sessions.CountAsync(), await db.Memberships.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_admin_connects_the_organization_and_the_client_secret_is_never_shown_and_is_encrypted_at_rest(Backend backend)
    {
        await using var s = await ConnectedAsync(backend);
        var view = await s.Admin.GetFromJsonAsync<JsonElement>("/api/v1/organization/sso");
        Assert.Equal(s.Idp.Issuer, view.GetProperty("issuer").GetString());
        Assert.Equal("oidc", view.GetProperty("protocol").GetString());
        Assert.Equal(["sso.example", "acme.example"], view.GetProperty("allowedDomains").EnumerateArray().Select(d => d.GetString()!).ToArray());
        Assert.True(view.GetProperty("clientSecretSet").GetBoolean());
        Assert.Equal(new Uri(s.App.WebUrl, "/sso/callback").AbsoluteUri, view.GetProperty("redirectUri").GetString());
        Assert.DoesNotContain(TestIdentityProvider.ClientSecret, view.ToString(), StringComparison.Ordinal);

        // At rest: neither the secret nor the issuer nor the client id appears in the cell's database in clear.
        await using (var db = s.App.Cells.Get("us").CreateDbContext())
        {
            var row = await db.Set<IdentityProviderConnection>().SingleAsync();
            Assert.DoesNotContain(TestIdentityProvider.ClientSecret, row.SecretToken!, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", row.SettingsToken, StringComparison.Ordinal);
            Assert.Equal(2, await db.Set<IdentityProviderDomain>().CountAsync());
            var audit = await db.Set<Sigill.Api.Features.Audit.AuditEvent>().Where(e => e.Action.StartsWith("sso.")).Select(e => e.Action).ToListAsync();
            Assert.Equal(["sso.configured"], audit);
        }

        // An update without a secret keeps the secret; members may not see or change the connection.
        using (var update = await s.Admin.PutAsJsonAsync("/api/v1/organization/sso", new { issuer = s.Idp.Issuer, clientId = "sigill", allowedDomains = new[] { "sso.example" }, passwordSignInAllowed = false }))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
            Assert.False((await JsonAsync(update)).GetProperty("passwordSignInAllowed").GetBoolean());
        }
        var (ssoStatus, ssoBody, _) = await SignInThroughProviderAsync(s.App, "ada");
        Assert.True(ssoStatus == HttpStatusCode.OK, ssoBody.ToString()); // the kept secret still works at the token endpoint
        using (var unchanged = await s.Admin.PutAsJsonAsync("/api/v1/organization/sso", new { issuer = s.Idp.Issuer, clientId = "sigill", allowedDomains = new[] { "sso.example" } }))
        {
            Assert.False((await JsonAsync(unchanged)).GetProperty("passwordSignInAllowed").GetBoolean()); // omitted: kept as it was
        }
        using var member = As(s.App, ssoBody.GetProperty("session").GetString()!);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/v1/organization/sso")).StatusCode);

        // Bad input: internal addresses (SSRF), plain http off loopback, junk domains, a domain another organization claims.
        foreach (var (issuer, code) in new[] { ("https://169.254.169.254", "sso_issuer_refused"), ("https://10.1.2.3/realm", "sso_issuer_refused"),
            ("http://idp.example.com", "validation_failed"), ("https://idp.example.com/?x=1", "validation_failed") })
        {
            using var refused = await s.Admin.PutAsJsonAsync("/api/v1/organization/sso", new { issuer, clientId = "c", clientSecret = "s", allowedDomains = new[] { "sso.example" } });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(code, Code(await JsonAsync(refused)));
        }
        using (var junk = await s.Admin.PutAsJsonAsync("/api/v1/organization/sso", new { issuer = s.Idp.Issuer, clientId = "c", allowedDomains = new[] { "not a domain" } }))
        {
            Assert.Equal("validation_failed", Code(await JsonAsync(junk)));
        }
        var other = await SignUpAsync(s.App, "owner@globex.example", organization: "Globex AB");
        using (var taken = await As(s.App, other.Session).PutAsJsonAsync("/api/v1/organization/sso",
            new { issuer = s.Idp.Issuer, clientId = "sigill", clientSecret = "x", allowedDomains = new[] { "sso.example" } }))
        {
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            Assert.Equal("sso_domain_taken", Code(await JsonAsync(taken)));
        }

        using var removed = await s.Admin.DeleteAsync("/api/v1/organization/sso");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal("sso_not_configured", Code(await JsonAsync(await s.Admin.GetAsync("/api/v1/organization/sso"))));
        Assert.Equal("sso_not_configured", Code(await StartAsync(s.App, new { domainHash = DomainHash(s.App, "sso.example") }, HttpStatusCode.NotFound)));
        await using (var db = s.App.Cells.Get("us").CreateDbContext())
        {
            Assert.Equal(["sso.configured", "sso.updated", "sso.updated", "sso.removed"],
                await db.Set<Sigill.Api.Features.Audit.AuditEvent>().Where(e => e.Action.StartsWith("sso.")).OrderBy(e => e.OccurredAt).Select(e => e.Action).ToListAsync());
        }
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_person_signs_in_through_the_provider_becomes_a_member_just_in_time_and_signs_in_again_as_the_same_member(Backend backend)
    {
        await using var s = await ConnectedAsync(backend);
        var before = await CountsAsync(s.App);
        var start = await StartAsync(s.App, new { domainHash = DomainHash(s.App, "SSO.example") });
        var authorizationUrl = start.GetProperty("authorizationUrl").GetString()!;
        Assert.StartsWith(s.Idp.Issuer + "/auth?", authorizationUrl, StringComparison.Ordinal);
        Assert.Equal("S256", TestIdentityProvider.Parameter(new Uri(authorizationUrl), "code_challenge_method"));
        Assert.StartsWith("sga_us_", start.GetProperty("state").GetString(), StringComparison.Ordinal);

        var redirect = await TestIdentityProvider.SignInAsync(authorizationUrl, "ada");
        Assert.Equal(start.GetProperty("state").GetString(), TestIdentityProvider.Parameter(redirect, "state"));
        Assert.Equal(s.Idp.Issuer, TestIdentityProvider.Parameter(redirect, "iss")); // RFC 9207, passed on and checked
        var (status, body) = await CallbackAsync(s.App, TestIdentityProvider.Parameter(redirect, "state"), TestIdentityProvider.Parameter(redirect, "code"),
            TestIdentityProvider.Parameter(redirect, "iss"));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var session = body.GetProperty("session").GetString()!;
        Assert.StartsWith("sgs_us_", session, StringComparison.Ordinal);
        Assert.Equal(s.Owner.OrganizationId, body.GetProperty("organizationId").GetString());

        using var ada = As(s.App, session);
        var account = await ada.GetFromJsonAsync<JsonElement>("/api/v1/account");
        Assert.Equal("ada@sso.example", account.GetProperty("email").GetString());
        Assert.Equal("Ada Idp", account.GetProperty("name").GetString());
        Assert.Equal("member", account.GetProperty("role").GetString());
        Assert.Equal("sso", (await ada.GetFromJsonAsync<JsonElement>("/api/v1/account/sessions"))[0].GetProperty("method").GetString());
        Assert.Equal((before.Users + 1, before.Sessions + 1, before.Members + 1), await CountsAsync(s.App));
        var members = await s.Admin.GetFromJsonAsync<JsonElement>("/api/v1/members");
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("email").GetString() == "ada@sso.example" && m.GetProperty("role").GetString() == "member");

        // The account has no password: password sign-in fails like any wrong password.
        using var password = await SignInAsync(s.App, "ada@sso.example", "any password at all 1");
        Assert.Equal(HttpStatusCode.Unauthorized, password.StatusCode);

        // A second sign-in, started by organization id, finds the same member.
        var again = await StartAsync(s.App, new { organizationId = s.Owner.OrganizationId });
        var second = await TestIdentityProvider.SignInAsync(again.GetProperty("authorizationUrl").GetString()!, "ada");
        var (secondStatus, secondBody) = await CallbackAsync(s.App, TestIdentityProvider.Parameter(second, "state"), TestIdentityProvider.Parameter(second, "code"));
        Assert.Equal(HttpStatusCode.OK, secondStatus);
        Assert.Equal(body.GetProperty("userId").GetString(), secondBody.GetProperty("userId").GetString());
        Assert.Equal(before.Users + 1, (await CountsAsync(s.App)).Users);

        // A single sign-on session cannot carry the provider's word into another organization.
        using var created = await ada.PostAsJsonAsync("/api/v1/account/organizations", new { name = "Ada Side Project" });
        var sideOrganization = (await JsonAsync(created)).GetProperty("id").GetString();
        using var switched = await ada.PostAsJsonAsync("/api/v1/account/organization", new { organizationId = sideOrganization });
        Assert.Equal(HttpStatusCode.Forbidden, switched.StatusCode);
        Assert.Equal("sso_session_bound", Code(await JsonAsync(switched)));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task First_sign_ins_of_one_person_at_the_same_moment_all_succeed_and_make_one_account(Backend backend)
    {
        await using var s = await ConnectedAsync(backend);
        var before = await CountsAsync(s.App);
        // Several browser tabs: each finishes at the provider, then all their callbacks reach Sigill at once.
        var answers = new List<Uri>();
        for (int i = 0; i < 4; i++)
        {
            var start = await StartAsync(s.App, new { domainHash = DomainHash(s.App, "sso.example") });
            answers.Add(await TestIdentityProvider.SignInAsync(start.GetProperty("authorizationUrl").GetString()!, "carl"));
        }
        var results = await Task.WhenAll(answers.Select(a =>
            CallbackAsync(s.App, TestIdentityProvider.Parameter(a, "state"), TestIdentityProvider.Parameter(a, "code"))));

        Assert.All(results, r => Assert.True(r.Status == HttpStatusCode.OK, r.Body.ToString()));
        Assert.Single(results.Select(r => r.Body.GetProperty("userId").GetString()).Distinct());
        Assert.Equal((before.Users + 1, before.Sessions + 4, before.Members + 1), await CountsAsync(s.App));
        var members = await s.Admin.GetFromJsonAsync<JsonElement>("/api/v1/members");
        Assert.Single(members.EnumerateArray(), m => m.GetProperty("email").GetString() == "carl@sso.example");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task With_password_sign_in_turned_off_members_must_use_single_sign_on_but_owners_keep_their_password(Backend backend)
    {
        await using var s = await ConnectedAsync(backend, passwordSignInAllowed: false);
        var cell = s.App.Cells.Get("us");
        var accounts = s.App.ApiServices.GetRequiredService<Sigill.Api.Features.Accounts.Accounts>();
        await using (var db = cell.CreateDbContext())
        {
            var user = await accounts.NewUserAsync(cell, "mira@acme.example", "Mira", Password, CancellationToken.None);
            db.Users.Add(user);
            db.Memberships.Add(await Sigill.Api.Features.Accounts.Accounts.NewMembershipAsync(cell, s.Owner.OrganizationId, user.Id, "mira@acme.example", "Mira", "member", DateTime.UtcNow, CancellationToken.None));
            await db.SaveChangesAsync();
        }
        using var member = await SignInAsync(s.App, "mira@acme.example", Password);
        Assert.Equal(HttpStatusCode.Forbidden, member.StatusCode);
        Assert.Equal("sso_required", Code(await JsonAsync(member)));
        using var wrong = await SignInAsync(s.App, "mira@acme.example", "not the password 99");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode); // a guess learns nothing about single sign-on
        using var owner = await SignInAsync(s.App, "owner@acme.example", Password);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Tampered_replayed_and_mismatched_answers_are_refused_each_with_its_code_and_nothing_is_stored(Backend backend)
    {
        await using var s = await ConnectedAsync(backend);
        var before = await CountsAsync(s.App);

        // A tampered state: one character changed.
        var start = await StartAsync(s.App, new { domainHash = DomainHash(s.App, "sso.example") });
        var redirect = await TestIdentityProvider.SignInAsync(start.GetProperty("authorizationUrl").GetString()!, "ada");
        var state = TestIdentityProvider.Parameter(redirect, "state");
        var code = TestIdentityProvider.Parameter(redirect, "code");
        var tampered = state[..^1] + (state[^1] == 'a' ? 'b' : 'a');
        var (status, body) = await CallbackAsync(s.App, tampered, code);
        Refused(HttpStatusCode.BadRequest, "sso_state_invalid", status, body);
        (status, body) = await CallbackAsync(s.App, "not-a-state", code);
        Refused(HttpStatusCode.BadRequest, "sso_state_invalid", status, body);
        Assert.Equal(before, await CountsAsync(s.App));

        // The genuine answer works once; replaying it is refused.
        (status, body) = await CallbackAsync(s.App, state, code);
        Assert.Equal(HttpStatusCode.OK, status);
        var afterFirst = await CountsAsync(s.App);
        (status, body) = await CallbackAsync(s.App, state, code);
        Refused(HttpStatusCode.BadRequest, "sso_state_invalid", status, body);
        Assert.Equal(afterFirst, await CountsAsync(s.App));

        // An answer that names another issuer (a mix-up between providers, RFC 9207), and an attempt past its ten minutes.
        var mixUp = await StartAsync(s.App, new { organizationId = s.Owner.OrganizationId });
        var mixUpRedirect = await TestIdentityProvider.SignInAsync(mixUp.GetProperty("authorizationUrl").GetString()!, "ada");
        (status, body) = await CallbackAsync(s.App, TestIdentityProvider.Parameter(mixUpRedirect, "state"), TestIdentityProvider.Parameter(mixUpRedirect, "code"), "https://idp.attacker.example");
        Refused(HttpStatusCode.Unauthorized, "sso_id_token_invalid", status, body);
        var late = await StartAsync(s.App, new { organizationId = s.Owner.OrganizationId });
        var lateRedirect = await TestIdentityProvider.SignInAsync(late.GetProperty("authorizationUrl").GetString()!, "ada");
        await using (var expire = s.App.Cells.Get("us").CreateDbContext())
        {
            await expire.Set<SsoSignInAttempt>().ExecuteUpdateAsync(a => a.SetProperty(x => x.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)));
        }
        (status, body) = await CallbackAsync(s.App, TestIdentityProvider.Parameter(lateRedirect, "state"), TestIdentityProvider.Parameter(lateRedirect, "code"));
        Refused(HttpStatusCode.BadRequest, "sso_state_invalid", status, body);
        Assert.Equal(afterFirst, await CountsAsync(s.App));

        // The nonce changed on the way to the provider: the ID token carries another nonce than this sign-in sent.
        var (nonceStatus, nonceBody, _) = await SignInThroughProviderAsync(s.App, "ada", url => TestIdentityProvider.WithParameter(url, "nonce", "attacker-chosen-nonce"));
        Refused(HttpStatusCode.Unauthorized, "sso_id_token_invalid", nonceStatus, nonceBody);
        Assert.Contains("nonce", nonceBody.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A code issued to another client of the same provider: the provider refuses to give it to Sigill's client.
        var (audienceStatus, audienceBody, _) = await SignInThroughProviderAsync(s.App, "ada",
            url => TestIdentityProvider.WithParameter(url, "client_id", TestIdentityProvider.OtherClientId));
        Refused(HttpStatusCode.Unauthorized, "sso_code_rejected", audienceStatus, audienceBody);

        // A code with the PKCE challenge swapped (the attacker's own verifier): refused at the token endpoint.
        var (pkceStatus, pkceBody, _) = await SignInThroughProviderAsync(s.App, "ada",
            url => TestIdentityProvider.WithParameter(url, "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        Refused(HttpStatusCode.Unauthorized, "sso_code_rejected", pkceStatus, pkceBody);

        // An unverified e-mail, a domain the organization does not allow, an existing account outside the organization.
        var (unverifiedStatus, unverifiedBody, _) = await SignInThroughProviderAsync(s.App, "bob");
        Refused(HttpStatusCode.Forbidden, "sso_email_unverified", unverifiedStatus, unverifiedBody);
        var (domainStatus, domainBody, _) = await SignInThroughProviderAsync(s.App, "eve");
        Refused(HttpStatusCode.Forbidden, "sso_domain_not_allowed", domainStatus, domainBody);
        await SignUpAsync(s.App, "carl@sso.example", organization: "Carl's Own AB");
        var withCarl = await CountsAsync(s.App);
        var (existsStatus, existsBody, _) = await SignInThroughProviderAsync(s.App, "carl");
        Refused(HttpStatusCode.Conflict, "sso_account_exists", existsStatus, existsBody);
        Assert.Equal(withCarl, await CountsAsync(s.App));
        await using var db = s.App.Cells.Get("us").CreateDbContext();
        Assert.Equal(0, await db.Set<SsoSignInAttempt>().CountAsync()); // every attempt was used up
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task The_id_token_validator_refuses_a_real_provider_token_for_another_audience_expired_re_signed_or_unsigned(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, LoopbackAllowed);
        await using var idp = await TestIdentityProvider.StartAsync(new Uri(app.WebUrl, "/sso/callback").AbsoluteUri);
        // The test plays the other client itself, start to finish, to get a genuine ID token whose audience is other-app.
        var nonce = "test-nonce-" + Guid.NewGuid().ToString("N");
        var verifier = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var challenge = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
        var redirectUri = new Uri(app.WebUrl, "/sso/callback").AbsoluteUri;
        var redirect = await TestIdentityProvider.SignInAsync($"{idp.Issuer}/auth?response_type=code&client_id={TestIdentityProvider.OtherClientId}" +
            $"&redirect_uri={Uri.EscapeDataString(redirectUri)}&scope=openid%20email&state=s&nonce={nonce}&code_challenge={challenge}&code_challenge_method=S256", "ada");
        using var http = new HttpClient(new HttpClientHandler { CheckCertificateRevocationList = true });
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, idp.Issuer + "/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "authorization_code"), new("code", TestIdentityProvider.Parameter(redirect, "code")),
                new("redirect_uri", redirectUri), new("code_verifier", verifier)]),
        };
        tokenRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{TestIdentityProvider.OtherClientId}:{TestIdentityProvider.OtherClientSecret}")));
        using var tokenResponse = await http.SendAsync(tokenRequest);
        var idToken = (await JsonAsync(tokenResponse)).GetProperty("id_token").GetString()!;
        var jwks = await http.GetFromJsonAsync<JsonElement>(idp.Issuer + "/jwks");
        var nonceHash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(nonce));
        var now = DateTimeOffset.UtcNow;

        // For its own audience the token is valid: the checks below fail for the reason they name, not for another.
        var claims = IdTokenValidator.Validate(idToken, jwks, idp.Issuer, TestIdentityProvider.OtherClientId, nonceHash, now);
        Assert.Equal("ada@sso.example", claims.Email);
        Assert.True(claims.EmailVerified);

        string Refusal(string token, string clientId = TestIdentityProvider.OtherClientId, string? issuer = null, DateTimeOffset? at = null, byte[]? nonceAt = null) =>
            Assert.Throws<IdTokenInvalidException>(() => IdTokenValidator.Validate(token, jwks, issuer ?? idp.Issuer, clientId, nonceAt ?? nonceHash, at ?? now)).Message;

        Assert.Contains("audience", Refusal(idToken, clientId: TestIdentityProvider.ClientId), StringComparison.Ordinal);
        Assert.Contains("another provider", Refusal(idToken, issuer: idp.Issuer + "/"), StringComparison.Ordinal);
        Assert.Contains("expired", Refusal(idToken, at: now.AddHours(2)), StringComparison.Ordinal);
        Assert.Contains("nonce", Refusal(idToken, nonceAt: new byte[32]), StringComparison.Ordinal);
        var parts = idToken.Split('.');
        var signature = System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 1;
        Assert.Contains("signature", Refusal($"{parts[0]}.{parts[1]}.{System.Buffers.Text.Base64Url.EncodeToString(signature)}"), StringComparison.Ordinal);
        // The payload edited to another e-mail, with the original signature: the signature no longer verifies.
        var payload = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).Replace("ada@sso.example", "eve@sso.example", StringComparison.Ordinal);
        Assert.Contains("signature", Refusal($"{parts[0]}.{System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payload))}.{parts[2]}"), StringComparison.Ordinal);
        // alg "none" with no signature, and HS256 "signed" with a public value: both refused before any key is tried.
        var none = System.Buffers.Text.Base64Url.EncodeToString("""{"alg":"none"}"""u8);
        Assert.Contains("algorithm", Refusal($"{none}.{parts[1]}."), StringComparison.Ordinal);
        var hs = System.Buffers.Text.Base64Url.EncodeToString("""{"alg":"HS256"}"""u8);
        Assert.Contains("algorithm", Refusal($"{hs}.{parts[1]}.{parts[2]}"), StringComparison.Ordinal);
        // A payload with an escaped lone surrogate, which JSON parsers accept and only reading the string refuses: the
        // token is malformed, not a server error.
        var lone = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payload.Replace("eve@sso.example", "\\udc20@sso.example", StringComparison.Ordinal)));
        Assert.Contains("not a signed JWT", Refusal($"{parts[0]}.{lone}.{parts[2]}"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task The_web_tier_refuses_a_callback_that_did_not_start_in_the_same_browser(Backend backend)
    {
        await using var s = await ConnectedAsync(backend);
        // The attacker starts a sign-in with their own account and sends the victim the callback link.
        var start = await StartAsync(s.App, new { organizationId = s.Owner.OrganizationId });
        var redirect = await TestIdentityProvider.SignInAsync(start.GetProperty("authorizationUrl").GetString()!, "ada");
        var before = await CountsAsync(s.App);
        using var victim = s.App.Web();
        using var response = await victim.GetAsync(redirect.PathAndQuery);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("did not start in this browser", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("sigill-session=", StringComparison.Ordinal) && !v.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)));
        Assert.Equal(before, await CountsAsync(s.App));
    }
}
