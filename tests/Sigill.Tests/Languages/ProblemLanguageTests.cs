using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sigill.Api.Platform.Errors;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Languages;

/// <summary>
/// The API's problem details in the caller's <c>Accept-Language</c> (titles per code, fixed details), with
/// <c>Content-Language</c>; <c>code</c>, <c>status</c>, <c>type</c> and the extensions the same in every language. And the
/// e-mails to senders and account holders in the organization's default language (docs/translations.md).
/// </summary>
public sealed class ProblemLanguageTests(SharedApps apps) : IClassFixture<SharedApps>
{
    [Fact]
    public void Every_error_code_has_a_title_and_every_fixed_detail_belongs_to_a_code()
    {
        var english = Problems.Text.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: false)!
            .Cast<System.Collections.DictionaryEntry>().Select(e => (string)e.Key).ToHashSet(StringComparer.Ordinal);
        var missing = ErrorCodes.All.Keys.Where(code => !english.Contains("Title." + code)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "ProblemText.resx has no title for: " + string.Join(", ", missing));
        // No stray keys: every key is Title.<code> or Detail.<code> of a code that exists. (LanguageTests checks the other
        // four languages have exactly the English keys.)
        var stray = english.Where(k => k.Split('.', 2) is not [("Title" or "Detail"), var code] || !ErrorCodes.All.ContainsKey(code)).ToList();
        Assert.True(stray.Count == 0, "ProblemText.resx keys of no code: " + string.Join(", ", stray));
        foreach (var language in Contracts.Languages.Supported)
        {
            foreach (var code in ErrorCodes.All.Keys)
            {
                Assert.False(string.IsNullOrWhiteSpace(Problems.Text.GetString("Title." + code, Contracts.Languages.Culture(language))), $"{code} in {language}");
            }
        }
    }

    [Theory]
    [InlineData(null, "en")]
    [InlineData("sv", "sv")]
    [InlineData("de-CH", "de")]
    [InlineData("xx", "en")]
    [InlineData("xx, fr;q=0.5, es;q=0.9", "es")]
    [InlineData("sv;q=0, de", "de")]
    [InlineData("*", "en")]
    public void The_language_is_the_first_supported_range_by_quality_else_English(string? header, string language)
    {
        var http = new DefaultHttpContext();
        if (header is not null) http.Request.Headers.AcceptLanguage = header;
        Assert.Equal(language, Problems.LanguageOf(http.Request));
    }

    [Fact]
    public async Task Problems_speak_the_callers_language_and_keep_their_code_status_type_and_extensions()
    {
        var app = await apps.For(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Problem Språk AB", "us");
        string id;
        using (var uploader = app.Web(org.ApiToken)) id = (await UploadOkAsync(uploader, "Språk", SamplePdf("sprak"))).GetProperty("id").GetString()!;

        // (request, status, code, the Swedish and German titles)
        var cases = new (Func<HttpRequestMessage> Request, bool Token, HttpStatusCode Status, string Code, string Sv, string De)[]
        {
            (() => Json(HttpMethod.Post, "/api/v1/regions/us/auth/password-reset", "{\"email\":\"not an address\"}"), false,
                HttpStatusCode.BadRequest, "validation_failed", "Begäran är inte giltig.", "Die Anfrage ist nicht gültig."),
            (() => Json(HttpMethod.Patch, "/api/v1/organizations/current", "{\"defaultLanguage\":\"xx\"}"), true,
                HttpStatusCode.BadRequest, "language_unsupported", "Sigill talar inte det här språket.", "Sigill spricht diese Sprache nicht."),
            (() => new HttpRequestMessage(HttpMethod.Get, "/api/v1/documents/doc_us_00000000000000000000000000"), true,
                HttpStatusCode.NotFound, "not_found", "Hittades inte", "Nicht gefunden"),
            (() => new HttpRequestMessage(HttpMethod.Get, "/api/v1/documents"), false,
                HttpStatusCode.Unauthorized, "unauthorized", "Inte inloggad", "Nicht angemeldet"),
            (() => Json(HttpMethod.Post, $"/api/v1/documents/{id}/recipients", "{\"name\": \"Ann\", "), true,
                HttpStatusCode.BadRequest, "bad_request", "Felaktig begäran", "Fehlerhafte Anfrage"),
        };
        foreach (var (request, token, status, code, sv, de) in cases)
        {
            using var client = token ? app.Web(org.ApiToken) : app.Web();
            var english = await ProblemAsync(client, request(), null, status, code, "en");
            var englishAgain = await ProblemAsync(client, request(), "xx", status, code, "en");
            Assert.Equal(english.GetProperty("title").GetString(), englishAgain.GetProperty("title").GetString());
            var swedish = await ProblemAsync(client, request(), "sv", status, code, "sv");
            Assert.Equal(sv, swedish.GetProperty("title").GetString());
            var german = await ProblemAsync(client, request(), "de-CH, en;q=0.5", status, code, "de");
            Assert.Equal(de, german.GetProperty("title").GetString());
            foreach (var translated in new[] { swedish, german })
            {
                // What clients and evidence rely on is the same in every language; only title (and a fixed detail) change.
                foreach (var member in english.EnumerateObject().Where(m => m.Name is not ("title" or "detail" or "traceId")))
                {
                    Assert.Equal(member.Value.GetRawText(), translated.GetProperty(member.Name).GetRawText());
                }
                Assert.Equal(english.EnumerateObject().Select(m => m.Name).Order(StringComparer.Ordinal), translated.EnumerateObject().Select(m => m.Name).Order(StringComparer.Ordinal));
            }
            if (code == "language_unsupported")
            {
                Assert.Equal("defaultLanguage", swedish.GetProperty("field").GetString());
                Assert.Equal("Sigill does not speak this language.", english.GetProperty("title").GetString());
                // The detail names the field and the codes: it stays the English words in every language.
                Assert.Equal(english.GetProperty("detail").GetString(), swedish.GetProperty("detail").GetString());
            }
        }
    }

    [Fact]
    public async Task Fixed_details_of_dead_links_are_in_the_callers_language_and_English_by_default()
    {
        var app = await apps.For(Backend.Sqlite);
        using var client = app.Web();
        const string deadLink = "sgq_us_nothing"; // not a link at all: refused before any lookup or throttle
        HttpRequestMessage Confirm() => Json(HttpMethod.Post, "/api/v1/regions/us/privacy-requests/confirm", $"{{\"token\":\"{deadLink}\"}}");
        var english = await ProblemAsync(client, Confirm(), null, HttpStatusCode.NotFound, "privacy_request_link_invalid", "en");
        Assert.Equal("It may have expired or been used already. Make the request again from the privacy request page.", english.GetProperty("detail").GetString());
        var swedish = await ProblemAsync(client, Confirm(), "sv", HttpStatusCode.NotFound, "privacy_request_link_invalid", "sv");
        Assert.Equal("Den kan ha gått ut eller redan använts. Gör begäran igen från sidan för integritetsbegäran.", swedish.GetProperty("detail").GetString());
        var german = await ProblemAsync(client, Json(HttpMethod.Post, "/api/v1/regions/us/auth/password-reset/complete", "{\"token\":\"sgr_us_nothing\",\"password\":\"a long enough password 1\"}"),
            "de", HttpStatusCode.NotFound, "password_reset_link_invalid", "de");
        Assert.Equal("Er ist vielleicht abgelaufen oder schon verwendet. Fordern Sie auf der Anmeldeseite einen neuen an.", german.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_rate_limit_refusal_is_in_the_callers_language_with_the_same_code_and_retry_after()
    {
        await using var app = await SigillApp.StartAsync("""{ "RateLimits": { "PerAddressPerSecond": 1, "PerAddressBurst": 2, "PerCredentialPerSecond": 0 } }""");
        using var client = app.Web();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10 && refused is null; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/documents");
            request.Headers.TryAddWithoutValidation("Accept-Language", "sv-SE,sv;q=0.9,en;q=0.8");
            var response = await client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else response.Dispose();
        }
        Assert.NotNull(refused);
        using (refused)
        {
            Assert.Equal("sv", refused.Content.Headers.ContentLanguage.Single());
            Assert.True(refused.Headers.RetryAfter is not null);
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
            Assert.Equal("För många förfrågningar.", problem.GetProperty("title").GetString());
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
        }
    }

    [Fact]
    public void A_fixed_detail_is_translated_and_a_detail_with_specifics_stays_English()
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.AcceptLanguage = "fr";
        var fixedText = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = 500, Title = "An unexpected error occurred.", Detail = "The error was logged with the trace id below.",
            Extensions = { ["code"] = ErrorCodes.InternalError },
        };
        Problems.Translate(http, fixedText);
        Assert.Equal("Une erreur inattendue s’est produite.", fixedText.Title);
        Assert.Equal("L’erreur a été journalisée avec l’identifiant de trace ci-dessous.", fixedText.Detail);
        Assert.Equal("fr", http.Response.Headers.ContentLanguage.ToString());
        var specific = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = 400, Title = "The request is not valid.", Detail = "title must have at most 200 characters.",
            Extensions = { ["code"] = ErrorCodes.ValidationFailed, ["field"] = "title" },
        };
        Problems.Translate(http, specific);
        Assert.Equal("La requête n’est pas valide.", specific.Title);
        Assert.Equal("title must have at most 200 characters.", specific.Detail);
        Assert.Equal("title", specific.Extensions["field"]);
    }

    [Fact]
    public async Task The_web_tier_sends_the_pages_language_to_the_API_and_nothing_when_the_page_has_none()
    {
        var accessor = new HttpContextAccessor { HttpContext = new DefaultHttpContext() };
        var seen = new List<string>();
        using var invoker = new HttpMessageInvoker(new Sigill.Web.Api.ForwardedClient(accessor) { InnerHandler = new Recorder(seen) });
        var before = CultureInfo.CurrentUICulture;
        try
        {
            foreach (var culture in new[] { "sv-SE", "de", "pt-BR", "" })
            {
                CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
                using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://api.test/api/v1/documents"), CancellationToken.None);
            }
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
        Assert.Equal(["sv", "de", "", ""], seen);
    }

    private sealed class Recorder(List<string> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request.Headers.AcceptLanguage.ToString());
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
        }
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_Swedish_organizations_sender_gets_Swedish_notices_and_its_password_reset_is_Swedish(Backend backend)
    {
        var app = await apps.For(backend);
        var senderEmail = $"avsandare.{Guid.NewGuid():N}@acme.example";
        var account = await SignUpAsync(app, senderEmail, "us", "Svensk Avsändare AB");
        using var sender = As(app, account.Session);
        await OkJsonAsync(await sender.PatchAsJsonAsync("/api/v1/organizations/current", new { defaultLanguage = "sv" }));
        var ann = $"ann.{Guid.NewGuid():N}@example.test";
        var (id, _) = await Documents.EverydaySendingTests.DraftAsync(sender, "Hyresavtal", ("Ann Åberg", ann, "signer", 1));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        await SignAsync(app, LinkFor(app.DataDirectory, "us", ann), new { typedName = "Ann Åberg" });

        var signed = await Outbox.WaitForAsync(app.DataDirectory, "us", senderEmail, "Undertecknat: ”Hyresavtal”");
        Assert.Contains("Ann Åberg undertecknade ”Hyresavtal”.", signed.Text, StringComparison.Ordinal);
        Assert.Contains("Öppna dokumentet", signed.Text, StringComparison.Ordinal);
        Assert.Contains("Du fick det här e-postmeddelandet eftersom du skickade dokumentet från Svensk Avsändare AB.", signed.Text, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"sv\">", signed.Html, StringComparison.Ordinal);
        var completed = await Outbox.WaitForAsync(app.DataDirectory, "us", senderEmail, "Slutfört: ”Hyresavtal”");
        Assert.Contains("Alla har undertecknat.", completed.Text, StringComparison.Ordinal);

        using var web = app.Web();
        using (var reset = await web.PostAsJsonAsync("/api/v1/regions/us/auth/password-reset", new { email = senderEmail }))
        {
            Assert.Equal(HttpStatusCode.Accepted, reset.StatusCode);
        }
        var resetMail = await Outbox.WaitForAsync(app.DataDirectory, "us", senderEmail, "Välj ett nytt lösenord för Sigill");
        Assert.Contains("Länken fungerar en gång", resetMail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invitation_from_a_German_organization_is_German_and_a_sign_up_takes_the_requests_language()
    {
        var app = await apps.For(Backend.Sqlite);
        var owner = await SignUpAsync(app, $"inhaber.{Guid.NewGuid():N}@firma.example", "us", "Deutsche Firma GmbH");
        using var asOwner = As(app, owner.Session);
        await OkJsonAsync(await asOwner.PatchAsJsonAsync("/api/v1/organizations/current", new { defaultLanguage = "de" }));
        var invited = $"neu.{Guid.NewGuid():N}@firma.example";
        using (var response = await asOwner.PostAsJsonAsync("/api/v1/invitations", new { email = invited, role = "member" }))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        var invitation = await Outbox.WaitForAsync(app.DataDirectory, "us", invited, "Sie sind zu Deutsche Firma GmbH auf Sigill eingeladen");
        Assert.Contains("Sie wurden eingeladen, Deutsche Firma GmbH auf Sigill als member beizutreten.", invitation.Text, StringComparison.Ordinal);
        Assert.Contains("Einladung annehmen:", invitation.Text, StringComparison.Ordinal);
        Assert.Matches(@"/invitations/sgi_", invitation.Text);

        var newcomer = $"nouveau.{Guid.NewGuid():N}@exemple.example";
        using var web = app.Web();
        using var signUp = new HttpRequestMessage(HttpMethod.Post, "/api/v1/regions/us/auth/sign-up")
        {
            Content = JsonContent.Create(new { email = newcomer, password = Password, name = "Nouveau", organizationName = "Nouvelle SARL", acceptDpaVersion = app.DpaVersion }),
        };
        signUp.Headers.TryAddWithoutValidation("Accept-Language", "fr-CA, en;q=0.5");
        using (var response = await web.SendAsync(signUp))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        var verification = await Outbox.WaitForAsync(app.DataDirectory, "us", newcomer, "Terminez votre inscription à Sigill");
        Assert.Contains("/sign-up/sgv_", verification.Text, StringComparison.Ordinal);
    }

    private static HttpRequestMessage Json(HttpMethod method, string path, string body) =>
        new(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static async Task<JsonElement> ProblemAsync(HttpClient client, HttpRequestMessage request, string? acceptLanguage, HttpStatusCode status, string code, string contentLanguage)
    {
        using (request)
        {
            if (acceptLanguage is not null) request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{request.Method} {request.RequestUri} ({acceptLanguage}): {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(contentLanguage, response.Content.Headers.ContentLanguage.Single());
            var problem = JsonDocument.Parse(body).RootElement.Clone();
            Assert.Equal(code, problem.GetProperty("code").GetString());
            return problem;
        }
    }
}
