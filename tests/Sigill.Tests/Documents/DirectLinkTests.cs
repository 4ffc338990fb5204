using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Templates;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>A template's direct links on both backends: managing them, the public look-up, and the use counter under concurrency.</summary>
public sealed class DirectLinkTests(SharedApps apps) : IClassFixture<SharedApps>
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
    };

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_link_is_shown_once_stored_as_a_hash_opens_publicly_and_answers_410_at_once_when_disabled(Backend backend)
    {
        var app = await apps.For(backend);
        var (sender, templateId) = await TemplateAsync(app, "Acme Direct", "eu");
        using var owned = sender;
        var created = await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links", Link("Photo consent Grüße", maxUses: 10, countersign: "review"));
        var token = created.GetProperty("token").GetString()!;
        Assert.StartsWith("sgd_eu_", token, StringComparison.Ordinal);
        Assert.Equal($"/d/{token}", created.GetProperty("url").GetString());
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
        foreach (var token in new[] { "sgd_us_" + new string('A', 52), "sgd_zz_" + new string('A', 52), "nonsense", "sgs_us_" + new string('A', 52) })
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
