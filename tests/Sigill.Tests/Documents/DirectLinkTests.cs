using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Templates;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>A template's direct links on both backends: managing them, the public look-up, and the use counter under concurrency.</summary>
public sealed partial class DirectLinkTests(SharedApps apps) : IClassFixture<SharedApps>
{
    private static async Task<(HttpClient Sender, string TemplateId)> TemplateAsync(SigillApp app, string orgName, string region)
    {
        var org = await app.SetUpOrganizationAsync(orgName, region);
        var sender = app.Web(org.ApiToken);
        var template = await PostOkAsync(sender, "/api/v1/templates", new { name = "Consent form", body = "# Consent\nI agree, {{ purpose }}.", variables = new[] { "purpose" } });
        return (sender, template.GetProperty("id").GetString()!);
    }

    private static object Link(string title, int? maxUses = null, DateTime? expiresAt = null, string? countersign = null) => new
    {
        title,
        variables = new Dictionary<string, string> { ["purpose"] = "photos at the event" },
        maxUses,
        expiresAt,
        countersign,
        reviewerName = countersign == "review" ? "Rita Reviewer" : null,
        reviewerEmail = countersign == "review" ? "rita@acme.example" : null,
    };

    [GeneratedRegex(@"verification code is (\d{6})")]
    private static partial Regex CodePattern();

    private static string LatestCode(SigillApp app, string region, string email)
    {
        var mail = Directory.GetFiles(Path.Combine(app.DataDirectory, region, "outbox"), "*.eml").Order(StringComparer.Ordinal)
            .Select(File.ReadAllText).Last(t => t.Contains(email, StringComparison.Ordinal) && CodePattern().IsMatch(t));
        return CodePattern().Match(mail).Groups[1].Value;
    }

    /// <summary>Starts a document from the link as a person and returns their signing link token (<c>sgr_…</c>).</summary>
    private static async Task<string> StartAsync(HttpClient person, string token, string name, string email)
    {
        var started = await PostOkAsync(person, $"/api/v1/direct/{token}/start", new { name, email });
        var url = started.GetProperty("signingUrl").GetString()!;
        Assert.StartsWith("/s/sgr_", url, StringComparison.Ordinal);
        return url["/s/".Length..];
    }

    /// <summary>Asks for the e-mailed code, enters it and keeps the grant on <paramref name="person"/>.</summary>
    private static async Task VerifyByMailAsync(SigillApp app, HttpClient person, string region, string link, string email)
    {
        using (var sent = await person.PostAsJsonAsync($"/api/v1/signing/{link}/step-up/code", new { })) Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var grant = await PostOkAsync(person, $"/api/v1/signing/{link}/step-up", new { code = LatestCode(app, region, email) });
        person.DefaultRequestHeaders.Add("Sigill-Step-Up", grant.GetProperty("grant").GetString());
    }

    private static async Task<JsonElement> ViewConsentAndSignAsync(HttpClient person, string link, string typedName)
    {
        using (var view = await person.GetAsync($"/api/v1/signing/{link}/document.pdf")) Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        using (var consent = await person.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })) Assert.Equal(HttpStatusCode.NoContent, consent.StatusCode);
        return await PostOkAsync(person, $"/api/v1/signing/{link}/sign", new { typedName });
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_person_gets_their_own_document_verifies_their_address_by_code_signs_and_it_completes(Backend backend)
    {
        var app = await apps.For(backend);
        var (sender, templateId) = await TemplateAsync(app, "Acme Direct Flow", "us");
        using var owned = sender;
        var created = await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links", Link("Event release", maxUses: 1));
        var token = created.GetProperty("token").GetString()!;
        using var person = app.Web();
        person.DefaultRequestHeaders.UserAgent.ParseAdd("SigillTest/1.0");

        // Bad input is refused before anything is made or any use is taken.
        foreach (var bad in new object[] { new { name = "", email = "pia@example.test" }, new { name = "Pia", email = "pia@example.test, eve@example.test" }, new { name = new string('x', 201), email = "pia@example.test" } })
        {
            using var refused = await person.PostAsJsonAsync($"/api/v1/direct/{token}/start", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("validation_failed", await ProblemCodeAsync(refused));
        }
        Assert.Equal(0, (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents")).GetArrayLength());

        var link = await StartAsync(person, token, "Pia Person", "pia@example.test");
        // No invitation is mailed: the person continues on the page. (Counted by address: the shared app's other mail may land meanwhile.)
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(app.DataDirectory, "us", "outbox"), "*.eml"), f => File.ReadAllText(f).Contains("pia@example.test", StringComparison.Ordinal));
        using (var second = await person.PostAsJsonAsync($"/api/v1/direct/{token}/start", new { name = "Eve", email = "eve@example.test" }))
        {
            Assert.Equal(HttpStatusCode.Gone, second.StatusCode); // maxUses 1
            Assert.Equal("direct_link_gone", await ProblemCodeAsync(second));
        }

        // Nothing is signed before the address is verified by the e-mailed code.
        using (var early = await person.PostAsJsonAsync($"/api/v1/signing/{link}/sign", new { typedName = "Pia Person" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, early.StatusCode);
            Assert.Equal("step_up_required", await ProblemCodeAsync(early));
        }
        await VerifyByMailAsync(app, person, "us", link, "pia@example.test");
        var signed = await ViewConsentAndSignAsync(person, link, "Pia Person");
        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString()); // countersign auto: the organization's seal completes it

        var documents = (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents"));
        Assert.Equal(1, documents.GetArrayLength());
        Assert.Equal("Event release", documents[0].GetProperty("title").GetString());
        var id = documents[0].GetProperty("id").GetString()!;
        var activity = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity")).EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("document.created", activity);
        Assert.Contains("document.sent", activity);
        Assert.Contains("step_up.passed", activity);
        Assert.Contains("document.completed", activity);
        // The person's address is stored encrypted; only the code e-mailed to it (the development outbox) holds it.
        Assert.All(await app.PlacesContainingAsync("pia@example.test"), place => Assert.Contains("outbox", place, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task With_review_the_reviewer_is_invited_once_the_person_has_signed_and_signs_last(Backend backend)
    {
        var app = await apps.For(backend);
        var (sender, templateId) = await TemplateAsync(app, "Acme Direct Review", "us");
        using var owned = sender;
        var token = (await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links", Link("Membership", countersign: "review"))).GetProperty("token").GetString()!;
        using var person = app.Web();
        person.DefaultRequestHeaders.UserAgent.ParseAdd("SigillTest/1.0");
        var link = await StartAsync(person, token, "Max Member", "max@example.test");
        await VerifyByMailAsync(app, person, "us", link, "max@example.test");
        Assert.Throws<InvalidOperationException>(() => LinkFor(app.DataDirectory, "us", "rita@acme.example")); // not yet: she signs after
        var signed = await ViewConsentAndSignAsync(person, link, "Max Member");
        Assert.Equal("sent", signed.GetProperty("documentStatus").GetString());

        var reviewerLink = LinkFor(app.DataDirectory, "us", "rita@acme.example");
        var last = await SignAsync(app, reviewerLink, new { typedName = "Rita Reviewer" });
        Assert.Equal("completed", last.GetProperty("documentStatus").GetString());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task The_templates_signature_lines_carry_each_signers_field_and_a_signer_without_a_line_signs_at_the_foot(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Direct Lines", "us");
        using var sender = app.Web(org.ApiToken);
        // Signer 1 (the person) and signer 2 (the reviewer) sign side by side under the terms on page 1; page 2 follows.
        var lines = await PostOkAsync(sender, "/api/v1/templates", new
        {
            name = "Lines",
            body = "# Terms\nI agree, {{ purpose }}.\n\n{{ signature_1 }}{{ signature_2 }}\n{{ page_break }}\n# Annex\nMore text.",
            variables = new[] { "purpose" },
        });
        // A template with a line for signer 2 only.
        var secondOnly = await PostOkAsync(sender, "/api/v1/templates", new { name = "Second only", body = "# Terms\n{{ purpose }}\n\n{{ signature_2 }}", variables = new[] { "purpose" } });
        async Task<JsonElement[]> FieldsAsync(string templateId, string title)
        {
            var token = (await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links", Link(title, countersign: "review"))).GetProperty("token").GetString()!;
            using var person = app.Web();
            await StartAsync(person, token, "Lina Line", "lina@example.test");
            var list = await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents");
            var id = list.EnumerateArray().Single(d => d.GetProperty("title").GetString() == title).GetProperty("id").GetString()!;
            var doc = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
            var signers = doc.GetProperty("recipients").EnumerateArray().OrderBy(r => r.GetProperty("signingOrder").GetInt32()).Select(r => r.GetProperty("id").GetString()).ToList();
            return [.. doc.GetProperty("fields").EnumerateArray().OrderBy(f => signers.IndexOf(f.GetProperty("recipientId").GetString()))];
        }

        var both = await FieldsAsync(lines.GetProperty("id").GetString()!, "Both lines");
        Assert.Equal(2, both.Length);
        Assert.All(both, f => Assert.Equal(("signature", 1, true), (f.GetProperty("kind").GetString(), f.GetProperty("page").GetInt32(), f.GetProperty("required").GetBoolean())));
        Assert.Equal(both[0].GetProperty("y").GetDouble(), both[1].GetProperty("y").GetDouble());
        Assert.True(both[1].GetProperty("x").GetDouble() > both[0].GetProperty("x").GetDouble() + both[0].GetProperty("width").GetDouble());
        Assert.True(both[0].GetProperty("y").GetDouble() < 400, "on the line under the terms, near the top of page 1, not at the foot of page 2");

        var one = await FieldsAsync(secondOnly.GetProperty("id").GetString()!, "Second line only");
        Assert.Equal(2, one.Length);
        Assert.True(one[0].GetProperty("y").GetDouble() > 700, "signer 1 has no line: the foot of the page");
        Assert.True(one[1].GetProperty("y").GetDouble() < 400, "signer 2 signs on their line");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_signature_block_of_signature_name_and_date_lines_becomes_the_signers_fields_and_the_sealed_page_shows_them(Backend backend)
    {
        // An app of its own: the shared one's other tests use up the five starts one client address gets.
        await using var app = await SigillApp.StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Acme Direct Block", "us");
        using var sender = app.Web(org.ApiToken);
        var template = await PostOkAsync(sender, "/api/v1/templates", new
        {
            name = "Signature block",
            body = "# Terms\nI agree, {{ purpose }}.\n\n{{ signature_1 }}{{ signer_name_1 }}\n{{ initials_1 }}{{ date_signed_1 }}",
            variables = new[] { "purpose" },
        });
        var token = (await PostOkAsync(sender, $"/api/v1/templates/{template.GetProperty("id").GetString()}/direct-links", Link("Block release"))).GetProperty("token").GetString()!;
        using var person = app.Web();
        var link = await StartAsync(person, token, "Nora Named", "nora@example.test");
        await VerifyByMailAsync(app, person, "us", link, "nora@example.test");

        var fields = (await person.GetFromJsonAsync<JsonElement>($"/api/v1/signing/{link}")).GetProperty("fields").EnumerateArray().ToList();
        var byKind = fields.ToDictionary(f => f.GetProperty("kind").GetString()!);
        Assert.Equal(["date", "initials", "name", "signature"], byKind.Keys.Order(StringComparer.Ordinal));
        var (signature, name, date, initials) = (byKind["signature"], byKind["name"], byKind["date"], byKind["initials"]);
        double Bottom(JsonElement f) => f.GetProperty("y").GetDouble() + f.GetProperty("height").GetDouble();
        Assert.Equal(Bottom(signature), Bottom(name), 3); // the name sits on the signature's rule, to its right
        Assert.True(name.GetProperty("x").GetDouble() > signature.GetProperty("x").GetDouble());
        Assert.Equal(Bottom(date), Bottom(initials), 3); // the next row
        Assert.True(date.GetProperty("y").GetDouble() > Bottom(signature));
        Assert.Equal("Nora Named", name.GetProperty("value").GetString()); // pre-filled with the signer's name
        Assert.True(date.GetProperty("fillSigningDate").GetBoolean());
        Assert.False(date.GetProperty("required").GetBoolean());
        Assert.All([signature, name, initials], f => Assert.True(f.GetProperty("required").GetBoolean()));
        Assert.All(fields, f => Assert.Equal(1, f.GetProperty("page").GetInt32()));

        using (var view = await person.GetAsync($"/api/v1/signing/{link}/document.pdf")) Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        using (var consent = await person.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })) Assert.Equal(HttpStatusCode.NoContent, consent.StatusCode);
        using (var withoutName = await person.PostAsJsonAsync($"/api/v1/signing/{link}/sign", new { typedName = "Nora Named", fields = new[] { new { id = name.GetProperty("id").GetString(), value = "" } } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, withoutName.StatusCode); // the name line is required
            Assert.Equal("signing_fields_missing", await ProblemCodeAsync(withoutName));
        }
        var signed = await PostOkAsync(person, $"/api/v1/signing/{link}/sign", new
        {
            typedName = "Nora Named",
            fields = new[] { new { id = name.GetProperty("id").GetString(), value = "Nora Q. Named" } }, // initials come from the typed name
        });
        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());

        var id = (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents")).EnumerateArray().Single(d => d.GetProperty("title").GetString() == "Block release").GetProperty("id").GetString()!;
        using var download = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf");
        var path = Path.Combine(app.DataDirectory, "..", $"signature-block-{backend}.pdf");
        await File.WriteAllBytesAsync(path, await download.Content.ReadAsByteArrayAsync());
        var page = Run("pdftotext", "-f", "1", "-l", "1", path, "-").Output; // the document's page, not the certificate
        Assert.Contains("Nora Q. Named", page, StringComparison.Ordinal);
        Assert.Contains(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), page, StringComparison.Ordinal);
        var (qpdfExit, qpdfText) = Run("qpdf", "--check", path);
        Assert.True(qpdfExit is 0 or 3, qpdfText);
    }

    [Fact]
    public async Task Starts_are_throttled_per_address_and_a_link_needs_its_reviewer_for_review()
    {
        await using var app = await SigillApp.StartAsync();
        var (sender, templateId) = await TemplateAsync(app, "Acme Direct Flood", "eu");
        using var owned = sender;
        using (var noReviewer = await sender.PostAsJsonAsync($"/api/v1/templates/{templateId}/direct-links", new { title = "x", countersign = "review" }))
        {
            Assert.Equal("validation_failed", await ProblemCodeAsync(noReviewer));
        }
        var token = (await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links", Link("Open to all"))).GetProperty("token").GetString()!;
        using var flood = app.Web();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var r = await flood.PostAsJsonAsync($"/api/v1/direct/{token}/start", new { name = $"Bot {i}", email = $"bot{i}@example.test" });
            answers.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("too_many_attempts", await ProblemCodeAsync(r));
                Assert.NotNull(r.Headers.RetryAfter);
            }
        }
        Assert.Equal(5, answers.Count(a => a == HttpStatusCode.OK)); // five from one address, then a growing wait
        Assert.Equal(3, answers.Count(a => a == HttpStatusCode.TooManyRequests));
        Assert.Equal(5, (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents")).GetArrayLength());
    }


    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_link_is_shown_once_stored_as_a_hash_opens_publicly_and_answers_410_at_once_when_disabled(Backend backend)
    {
        var app = await apps.For(backend);
        var (sender, templateId) = await TemplateAsync(app, "Acme Direct", "eu");
        using var owned = sender;
        var created = await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links", Link("Photo consent Grüße", maxUses: 10, countersign: "review"));
        var token = created.GetProperty("token").GetString()!;
        Assert.StartsWith("sgt_eu_", token, StringComparison.Ordinal);
        Assert.Equal($"/direct/{token}", created.GetProperty("url").GetString());
        var linkId = created.GetProperty("link").GetProperty("id").GetString()!;
        Assert.Equal("active", created.GetProperty("link").GetProperty("status").GetString());
        Assert.Equal("review", created.GetProperty("link").GetProperty("countersign").GetString());

        // Only the hash is stored; the title and the settings are encrypted.
        Assert.Empty(await app.PlacesContainingAsync(token));
        Assert.Empty(await app.PlacesContainingAsync("Photo consent"));
        Assert.Empty(await app.PlacesContainingAsync("photos at the event"));

        using var anonymous = app.Web();
        var open = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/direct/{token}");
        Assert.Equal("Photo consent Grüße", open.GetProperty("title").GetString());

        var list = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{templateId}/direct-links");
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal(0, list[0].GetProperty("uses").GetInt32());
        Assert.False(list[0].TryGetProperty("token", out var _), "the list never shows the token");

        var disabled = await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links/{linkId}/disable", new { });
        Assert.Equal("disabled", disabled.GetProperty("status").GetString());
        using (var gone = await anonymous.GetAsync($"/api/v1/direct/{token}"))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
            Assert.Equal("direct_link_gone", await ProblemCodeAsync(gone));
        }
        await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links/{linkId}/disable", new { }); // again: a no-op

        await using var db = app.Cells.Get("eu").CreateDbContext();
        var actions = await db.Set<AuditEvent>().Where(e => e.Action.StartsWith("direct_link.")).Select(e => e.Action).ToListAsync();
        Assert.Single(actions, a => a == "direct_link.created");
        Assert.Single(actions, a => a == "direct_link.disabled");
        Assert.False(await DirectLinkEndpoints.TryTakeUseAsync(db, linkId, DateTime.UtcNow, default), "a disabled link gives no use");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Bad_settings_answer_400_another_organization_sees_404_and_unknown_or_malformed_tokens_404(Backend backend)
    {
        var app = await apps.For(backend);
        var (sender, templateId) = await TemplateAsync(app, "Acme Direct Bad", "us");
        using var owned = sender;
        var path = $"/api/v1/templates/{templateId}/direct-links";
        async Task<string> CodeOf(object body)
        {
            using var r = await sender.PostAsJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            return await ProblemCodeAsync(r);
        }
        Assert.Equal("validation_failed", await CodeOf(Link("")));
        Assert.Equal("validation_failed", await CodeOf(Link("x", countersign: "never")));
        Assert.Equal("validation_failed", await CodeOf(Link("x", maxUses: 0)));
        Assert.Equal("validation_failed", await CodeOf(Link("x", expiresAt: DateTime.UtcNow.AddMinutes(-1))));
        Assert.Equal("pricing_invalid", await CodeOf(new
        {
            title = "x", pricing = new { currency = "EUR", items = new[] { new { description = "Refund trick", quantity = -1, unitPrice = 10 } } },
        }));
        using (var unknown = await sender.PostAsJsonAsync("/api/v1/templates/tpl_us_nope/direct-links", Link("x")))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        var created = await PostOkAsync(sender, path, Link("Ours"));
        var linkId = created.GetProperty("link").GetProperty("id").GetString()!;
        var (stranger, _) = await TemplateAsync(app, "Other Org", "us");
        using (stranger)
        {
            using var list = await stranger.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, list.StatusCode);
            using var make = await stranger.PostAsJsonAsync(path, Link("Theirs"));
            Assert.Equal(HttpStatusCode.NotFound, make.StatusCode);
            using var disable = await stranger.PostAsJsonAsync($"{path}/{linkId}/disable", new { });
            Assert.Equal(HttpStatusCode.NotFound, disable.StatusCode);
        }
        using var anonymous = app.Web();
        foreach (var token in new[] { "sgt_us_" + new string('A', 52), "sgt_zz_" + new string('A', 52), "nonsense", "sgs_us_" + new string('A', 52) })
        {
            using var r = await anonymous.GetAsync($"/api/v1/direct/{token}");
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }
        await using var db = app.Cells.Get("us").CreateDbContext();
        var ours = await db.DirectLinks.Where(l => l.TemplateId == templateId).ToListAsync();
        Assert.Single(ours); // nothing of the refused requests was stored
        Assert.Equal("active", (await sender.GetFromJsonAsync<JsonElement>(path))[0].GetProperty("status").GetString()); // the stranger did not disable it
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Parallel_uses_never_exceed_maxUses_and_a_used_up_or_expired_link_answers_410(Backend backend)
    {
        var app = await apps.For(backend);
        var (sender, templateId) = await TemplateAsync(app, "Acme Direct Race", "us");
        using var owned = sender;
        var path = $"/api/v1/templates/{templateId}/direct-links";
        var limited = await PostOkAsync(sender, path, Link("Three only", maxUses: 3));
        var limitedId = limited.GetProperty("link").GetProperty("id").GetString()!;
        var cell = app.Cells.Get("us");
        var taken = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            await using var db = cell.CreateDbContext();
            return await DirectLinkEndpoints.TryTakeUseAsync(db, limitedId, DateTime.UtcNow, default);
        }));
        Assert.Equal(3, taken.Count(t => t));
        using var anonymous = app.Web();
        using (var usedUp = await anonymous.GetAsync($"/api/v1/direct/{limited.GetProperty("token").GetString()}"))
        {
            Assert.Equal(HttpStatusCode.Gone, usedUp.StatusCode);
            Assert.Equal("direct_link_gone", await ProblemCodeAsync(usedUp));
        }
        Assert.Equal("used_up", (await sender.GetFromJsonAsync<JsonElement>(path)).EnumerateArray()
            .Single(l => l.GetProperty("id").GetString() == limitedId).GetProperty("status").GetString());

        var expiring = await PostOkAsync(sender, path, Link("Soon over", expiresAt: DateTime.UtcNow.AddHours(1)));
        var expiringId = expiring.GetProperty("link").GetProperty("id").GetString()!;
        await using (var db = cell.CreateDbContext())
        {
            await db.DirectLinks.Where(l => l.Id == expiringId).ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)));
            Assert.False(await DirectLinkEndpoints.TryTakeUseAsync(db, expiringId, DateTime.UtcNow, default));
        }
        using var expired = await anonymous.GetAsync($"/api/v1/direct/{expiring.GetProperty("token").GetString()}");
        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
    }
}
