using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// On both backends. The first test stops its app to scan what it stored, so it has its own; the others share one app per
/// backend (each makes its own organization and counts only its own mail).
/// </summary>
public sealed partial class StepUpTests(SharedApps apps) : IClassFixture<SharedApps>
{
    private static async Task<(string DocumentId, string RecipientId, string Link)> SendGuardedAsync(SigillApp app, HttpClient sender, string email, object stepUp)
    {
        var id = (await UploadOkAsync(sender, "Guarded agreement", SamplePdf("guarded"))).GetProperty("id").GetString()!;
        var body = JsonSerializer.SerializeToElement(stepUp);
        var recipient = new Dictionary<string, object?> { ["name"] = "Ada", ["email"] = email };
        foreach (var p in body.EnumerateObject()) recipient[p.Name] = p.Value.GetString();
        var rid = (await PostOkAsync(sender, $"/api/v1/documents/{id}/recipients", recipient)).GetProperty("id").GetString()!;
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        return (id, rid, LinkFor(app.DataDirectory, "us", email));
    }

    private static async Task<HttpResponseMessage> VerifyAsync(HttpClient client, string link, string code) =>
        await client.PostAsJsonAsync($"/api/v1/signing/{link}/step-up", new { code });

    private static async Task SetRecipientAsync(SigillApp app, string recipientId, Action<Sigill.Api.Features.Documents.Recipient> change)
    {
        await using var db = app.Cells.Get("us").CreateDbContext();
        change(await db.Recipients.SingleAsync(r => r.Id == recipientId));
        await db.SaveChangesAsync();
    }

    private static async Task<List<string>> ActionsAsync(HttpClient sender, string documentId) =>
        [.. (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{documentId}/activity")).EnumerateArray().Select(e => e.GetProperty("action").GetString()!)];

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_access_code_guards_content_and_signing_and_five_wrong_codes_lock_the_link(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Acme Step-up", "us");
        using var sender = app.Web(org.ApiToken);
        var (id, rid, link) = await SendGuardedAsync(app, sender, "ada@example.test", new { stepUp = "access_code", accessCode = "tulip-4711" });
        using var ada = app.Web();

        // Before the step-up: no title, no pages, no fields, no PDF, no action.
        var view = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/signing/{link}");
        Assert.Equal("access_code", view.GetProperty("stepUp").GetString());
        Assert.False(view.GetProperty("stepUpPassed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("title").ValueKind);
        Assert.Equal(0, view.GetProperty("pages").GetArrayLength());
        Assert.Equal(HttpStatusCode.Forbidden, (await ada.GetAsync($"/api/v1/signing/{link}/document.pdf")).StatusCode);
        foreach (var (path, body) in new (string, object)[] { ("consent", new { accept = true }), ("sign", new { typedName = "Ada" }), ("decline", new { reason = "no" }) })
        {
            using var refused = await ada.PostAsJsonAsync($"/api/v1/signing/{link}/{path}", body);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("step_up_required", await ProblemCodeAsync(refused));
        }

        for (var i = 0; i < 4; i++)
        {
            using var wrong = await VerifyAsync(ada, link, "tulip-0000");
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Equal("step_up_failed", await ProblemCodeAsync(wrong));
        }
        using (var fifth = await VerifyAsync(ada, link, "tulip-0000"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
            Assert.Equal("step_up_locked", await ProblemCodeAsync(fifth));
            Assert.True(fifth.Headers.RetryAfter?.Delta > TimeSpan.FromMinutes(10), $"Retry-After: {fifth.Headers.RetryAfter}");
        }
        // Locked: even the right code is refused until the lock ends.
        using (var right = await VerifyAsync(ada, link, "tulip-4711"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        }
        await SetRecipientAsync(app, rid, r => r.StepUpLockedUntil = DateTime.UtcNow.AddSeconds(-1)); // the lock runs out

        // A forged grant opens nothing; the real one opens the document and signing.
        ada.DefaultRequestHeaders.Add("Sigill-Step-Up", "sgs_" + new string('a', 52));
        Assert.Equal(HttpStatusCode.Forbidden, (await ada.GetAsync($"/api/v1/signing/{link}/document.pdf")).StatusCode);
        var grant = await OkJsonAsync(await VerifyAsync(ada, link, " tulip-4711 "));
        ada.DefaultRequestHeaders.Remove("Sigill-Step-Up");
        ada.DefaultRequestHeaders.Add("Sigill-Step-Up", grant.GetProperty("grant").GetString());
        view = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/signing/{link}");
        Assert.Equal("Guarded agreement", view.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, (await ada.GetAsync($"/api/v1/signing/{link}/document.pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ada.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })).StatusCode);
        await PostOkAsync(ada, $"/api/v1/signing/{link}/sign", new { typedName = "Ada" });
        Assert.Equal("completed", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());

        var actions = await ActionsAsync(sender, id);
        Assert.Equal(4, actions.Count(a => a == "step_up.failed"));
        Assert.Single(actions, "step_up.locked");
        Assert.Single(actions, "step_up.passed");
        await app.StopServerAsync();
        Assert.Empty(await app.PlacesContainingAsync("tulip-4711")); // only a keyed hash is stored
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_emailed_code_is_written_in_the_recipients_language_and_works(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Kod", "us");
        using var sender = app.Web(org.ApiToken);
        var email = $"asa.kod.{backend}@example.test";
        var (_, _, link) = await SendGuardedAsync(app, sender, email, new { stepUp = "email_code", language = "sv" });
        using var asa = app.Web();
        Assert.Equal(HttpStatusCode.Accepted, (await asa.PostAsync($"/api/v1/signing/{link}/step-up/code", null)).StatusCode);
        var mail = await Outbox.WaitForAsync(app.DataDirectory, "us", email, "Din verifieringskod");
        Assert.Contains("Hej Ada,", mail.Text, StringComparison.Ordinal);
        Assert.Contains("Den gäller i 10 minuter", mail.Text, StringComparison.Ordinal);
        var code = SwedishCode().Match(mail.Text).Groups[1].Value;
        Assert.NotNull((await OkJsonAsync(await VerifyAsync(asa, link, code))).GetProperty("grant").GetString());
    }

    [GeneratedRegex(@"Din verifieringskod är (\d{6})")]
    private static partial Regex SwedishCode();

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Parallel_guesses_cannot_exceed_five_attempts(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Guessing", "us");
        using var sender = app.Web(org.ApiToken);
        var (id, _, link) = await SendGuardedAsync(app, sender, "eve@example.test", new { stepUp = "access_code", accessCode = "right-code-1" });
        using var eve = app.Web();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var r = await VerifyAsync(eve, link, $"guess-{i:D4}");
            return r.StatusCode;
        }));
        Assert.True(answers.Count(s => s == HttpStatusCode.BadRequest) <= 4, string.Join(",", answers));
        Assert.True(answers.Count(s => s == HttpStatusCode.TooManyRequests) >= 16, string.Join(",", answers));
        Assert.True((await ActionsAsync(sender, id)).Count(a => a == "step_up.failed") <= 4);
    }

    [GeneratedRegex(@"verification code is (\d{6})")]
    private static partial Regex CodePattern();

    private static string LatestCode(SigillApp app, string email)
    {
        var mail = Directory.GetFiles(Path.Combine(app.DataDirectory, "us", "outbox"), "*.eml").Order(StringComparer.Ordinal)
            .Select(File.ReadAllText).Last(t => t.Contains(email, StringComparison.Ordinal) && CodePattern().IsMatch(t));
        return CodePattern().Match(mail).Groups[1].Value;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_emailed_code_works_once_and_not_after_it_expires(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme OTP", "us");
        using var sender = app.Web(org.ApiToken);
        var (id, rid, link) = await SendGuardedAsync(app, sender, "otto@example.test", new { stepUp = "email_code" });
        using var otto = app.Web();
        var mails = MailCount(app.DataDirectory, "us");

        using (var sent = await otto.PostAsJsonAsync($"/api/v1/signing/{link}/step-up/code", new { }))
        {
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        }
        Assert.Equal(mails + 1, MailCount(app.DataDirectory, "us"));
        using (var again = await otto.PostAsJsonAsync($"/api/v1/signing/{link}/step-up/code", new { }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
            Assert.Equal("step_up_code_recently_sent", await ProblemCodeAsync(again));
            Assert.NotNull(again.Headers.RetryAfter);
        }
        var code = LatestCode(app, "otto@example.test");
        await OkJsonAsync(await VerifyAsync(otto, link, code));
        using (var reused = await VerifyAsync(otto, link, code))
        {
            Assert.Equal("step_up_failed", await ProblemCodeAsync(reused)); // single use
        }

        await SetRecipientAsync(app, rid, r => r.StepUpCodeSentAt = DateTime.UtcNow.AddMinutes(-1));
        await OkJsonAsync(await otto.PostAsJsonAsync($"/api/v1/signing/{link}/step-up/code", new { }));
        var late = LatestCode(app, "otto@example.test");
        await SetRecipientAsync(app, rid, r => r.StepUpCodeExpiresAt = DateTime.UtcNow.AddSeconds(-1)); // ten minutes pass
        using (var expired = await VerifyAsync(otto, link, late))
        {
            Assert.Equal("step_up_code_expired", await ProblemCodeAsync(expired));
        }
        var actions = await ActionsAsync(sender, id);
        Assert.Equal(2, actions.Count(a => a == "step_up.code_sent"));
        Assert.Equal(2, actions.Count(a => a == "step_up.failed"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Bad_step_up_settings_answer_400_and_store_no_recipient(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Bad Step-up", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Doc", SamplePdf("doc"))).GetProperty("id").GetString()!;
        foreach (var body in new object[]
        {
            new { name = "A", email = "a@example.test", stepUp = "sms" },
            new { name = "A", email = "a@example.test", stepUp = "access_code" },
            new { name = "A", email = "a@example.test", stepUp = "access_code", accessCode = "123" },
            new { name = "A", email = "a@example.test", stepUp = "email_code", accessCode = "abcdef" },
        })
        {
            using var response = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/recipients", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("validation_failed", await ProblemCodeAsync(response));
        }
        Assert.Equal(0, (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("recipients").GetArrayLength());
        // A link without step-up answers 409 to a code.
        var rid = await AddRecipientAsync(sender, id, "B", "b@example.test");
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        using var verify = await VerifyAsync(app.Web(), LinkFor(app.DataDirectory, "us", "b@example.test"), "123456");
        Assert.Equal("step_up_not_required", await ProblemCodeAsync(verify));
        Assert.NotNull(rid);
    }
}
