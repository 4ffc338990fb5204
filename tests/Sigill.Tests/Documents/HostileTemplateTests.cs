using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Templates;
using Sigill.Hostile;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// Every hostile template of the shared corpus is refused with its code, quickly, on every path that renders — saving
/// (create and update, a translated body), preview and a document from a template — and nothing is stored. Preview and documents render
/// templates already saved, so the corpus is also stored straight into the cell, as a template saved before the limits
/// existed would be.
/// </summary>
public sealed class HostileTemplateTests(HostileTemplateTests.Host host) : IClassFixture<HostileTemplateTests.Host>
{
    /// <summary>A couple of seconds: the refusals take milliseconds; the bound leaves room for a busy two-core machine.</summary>
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(5);

    private const string Region = "eu";

    public sealed class Host : IAsyncLifetime
    {
        internal SigillApp App { get; private set; } = null!;
        internal SigillApp.SetUpOrganization Org { get; private set; } = null!;
        public string GoodTemplateId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            App = await SigillApp.StartAsync();
            Org = await App.SetUpOrganizationAsync("Acme Hostile Templates", Region);
            using var sender = App.Web(Org.ApiToken);
            GoodTemplateId = (await PostOkAsync(sender, "/api/v1/templates", new { name = "Good", body = GoodBody, variables = new[] { "customer" } }))
                .GetProperty("id").GetString()!;
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private const string GoodBody = """
        # Offer for {{ customer }}
        {% for line in (1..3) %}Line {{ line }}. {% endfor %}{{ "terms" | upcase }}
        {{ pricing_table }}
        Total: {{ pricing.total }} {{ pricing.currency }}
        """;

    private static readonly object Pricing = new { currency = "EUR", items = new[] { new { description = "Licence", quantity = 2, unitPrice = 10 } } };

    public static TheoryData<string> Corpus()
    {
        var data = new TheoryData<string>();
        foreach (var c in HostileCorpus.Templates()) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task A_hostile_template_is_refused_with_its_code_when_saved_previewed_or_used_and_nothing_is_stored(string name)
    {
        var hostile = HostileCorpus.Templates().Single(c => c.Name == name);
        Assert.Equal(HostileTarget.TemplateBody, hostile.Target);
        var body = Encoding.UTF8.GetString(hostile.Payload());
        using var sender = host.App.Web(host.Org.ApiToken);
        var templatesBefore = await CountTemplatesAsync();

        await RefusedAsync(hostile, "create", () => sender.PostAsJsonAsync("/api/v1/templates", new { name = "Hostile", body, variables = Array.Empty<string>() }));
        await RefusedAsync(hostile, "update", () => sender.PutAsJsonAsync($"/api/v1/templates/{host.GoodTemplateId}", new { name = "Hostile", body, variables = Array.Empty<string>() }));
        await RefusedAsync(hostile, "translation", () => sender.PutAsJsonAsync($"/api/v1/templates/{host.GoodTemplateId}/translations/sv", new { body }));
        Assert.Equal(templatesBefore, await CountTemplatesAsync());
        var good = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{host.GoodTemplateId}");
        Assert.Equal(GoodBody, good.GetProperty("body").GetString());
        Assert.False(good.GetProperty("translations").EnumerateObject().Any()); // a hostile translation is stored nowhere

        var legacyId = await StoreAsIfSavedBeforeTheLimitsAsync(body);
        await RefusedAsync(hostile, "preview", () => sender.PostAsJsonAsync($"/api/v1/templates/{legacyId}/preview", new { pricing = Pricing }));
        await RefusedAsync(hostile, "document from template", () => sender.PostAsJsonAsync("/api/v1/documents/from-template",
            new { templateId = legacyId, title = "Hostile", variables = new Dictionary<string, string>(), pricing = Pricing }));
        Assert.Equal(0, (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents")).GetArrayLength());

        // The same server still renders an ordinary template right after.
        using var preview = await sender.PostAsJsonAsync($"/api/v1/templates/{host.GoodTemplateId}/preview",
            new { variables = new Dictionary<string, string> { ["customer"] = "Åsa" }, pricing = Pricing });
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.StartsWith("%PDF-", Encoding.ASCII.GetString(await preview.Content.ReadAsByteArrayAsync(), 0, 5));
    }

    [Fact]
    public async Task The_corpus_covers_every_template_refusal_code_and_each_limit()
    {
        var cases = HostileCorpus.Templates().ToList();
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(cases, c => Assert.Equal(400, c.ExpectedStatus));
        foreach (var code in new[] { "template_too_expensive", "template_tag_not_allowed", "template_filter_unknown", "template_syntax_error", "template_render_failed" })
        {
            Assert.Contains(cases, c => c.ExpectedCode == code);
        }
        // Each limit but the wall clock is reached by some case, on the real host (the clock is the cancellation test's).
        using var sender = host.App.Web(host.Org.ApiToken);
        var details = new List<string>();
        foreach (var c in cases.Where(c => c.ExpectedCode == "template_too_expensive"))
        {
            using var response = await sender.PostAsJsonAsync("/api/v1/templates", new { name = "Hostile", body = Encoding.UTF8.GetString(c.Payload()), variables = Array.Empty<string>() });
            details.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!);
        }
        foreach (var setting in new[] { "MaxSteps", "MaxNesting", "MaxOutputChars", "MaxStringChars", "MaxCollectionItems", "MaxBuiltChars", "MaxPages" })
        {
            Assert.Contains(details, d => d.Contains($"Templates:{setting}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_template_drawing_more_than_fifty_field_lines_is_refused_when_saved()
    {
        using var sender = host.App.Web(host.Org.ApiToken);
        // Two lines a turn, of two kinds: every kind counts towards the one limit.
        static string Lines(int n) => $"# Terms\n{{% for i in (1..{n}) %}}{{{{ signature_1 }}}}{{{{ date_signed_1 }}}}\n{{% endfor %}}";
        using (var fifty = await sender.PostAsJsonAsync("/api/v1/templates", new { name = "Fifty lines", body = Lines(25), variables = Array.Empty<string>() }))
            Assert.True(fifty.IsSuccessStatusCode, await fifty.Content.ReadAsStringAsync());
        using var more = await sender.PostAsJsonAsync("/api/v1/templates", new { name = "Too many lines", body = Lines(26), variables = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.BadRequest, more.StatusCode);
        var problem = await more.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("template_too_expensive", problem.GetProperty("code").GetString());
        Assert.Contains("50 field lines", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_template_declaring_a_name_Sigill_fills_in_itself_is_refused_when_saved()
    {
        // A declared variable named like a signature-block line would be replaced by the line when rendered: the sender's
        // value (from a bulk-send column, say) would silently vanish, so the name is refused at once.
        using var sender = host.App.Web(host.Org.ApiToken);
        foreach (var name in new[] { "signer_name_1", "date_signed_10", "initials_3", "signature_2", "page_break", "pricing", "pricing_table", "blocks" })
        {
            using var response = await sender.PostAsJsonAsync("/api/v1/templates", new { name = "Reserved", body = $"Hello {{{{ {name} }}}}", variables = new[] { "customer", name } });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains($"'{name}'", detail, StringComparison.Ordinal);
        }
        // Names that only look alike are ordinary variables.
        using var ok = await sender.PostAsJsonAsync("/api/v1/templates", new { name = "Alike", body = "{{ signer_name_11 }} {{ signer_name }} {{ date_signed_0 }}", variables = new[] { "signer_name_11", "signer_name", "date_signed_0" } });
        Assert.True(ok.IsSuccessStatusCode, await ok.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Content_blocks_are_judged_like_templates_when_saved()
    {
        using var sender = host.App.Web(host.Org.ApiToken);
        foreach (var (body, code) in new[]
                 {
                     ("{% include 'terms' %}", "template_tag_not_allowed"),
                     ("{{ 'a' | no_such_filter }}", "template_filter_unknown"),
                     (string.Concat(Enumerable.Repeat("{% if true %}", 5000)) + string.Concat(Enumerable.Repeat("{% endif %}", 5000)), "template_too_expensive"),
                 })
        {
            using var response = await sender.PostAsJsonAsync("/api/v1/templates/blocks", new { name = "hostile", body });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(code, await ProblemCodeAsync(response));
        }
        Assert.Equal(0, (await sender.GetFromJsonAsync<JsonElement>("/api/v1/templates/blocks")).GetArrayLength());
    }

    [Fact]
    public async Task A_refusal_names_the_tag_or_filter_it_refused()
    {
        using var sender = host.App.Web(host.Org.ApiToken);
        foreach (var (body, named) in new[] { ("{% render 'x' %}", "'render'"), ("{{ 1 | format_date: 'yyyy' }}", "'format_date'"), ("{% no_such_tag %}", "'no_such_tag'") })
        {
            using var response = await sender.PostAsJsonAsync("/api/v1/templates", new { name = "Named", body, variables = Array.Empty<string>() });
            Assert.Contains(named, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_template_that_is_one_150000_character_word_previews_quickly()
    {
        // PDF line wrapping measured every prefix of an over-long word: 3,000 characters took a second, this took hours.
        using var sender = host.App.Web(host.Org.ApiToken);
        var id = (await PostOkAsync(sender, "/api/v1/templates", new { name = "One word", body = new string('w', 150_000), variables = Array.Empty<string>() }))
            .GetProperty("id").GetString();
        var watch = Stopwatch.StartNew();
        using var preview = await sender.PostAsJsonAsync($"/api/v1/templates/{id}/preview", new { });
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"preview took {watch.Elapsed}");
    }

    private async Task RefusedAsync(HostileCase hostile, string path, Func<Task<HttpResponseMessage>> send)
    {
        var watch = Stopwatch.StartNew();
        using var response = await send();
        var elapsed = watch.Elapsed;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == hostile.ExpectedStatus, $"{hostile.Name}, {path}: {(int)response.StatusCode} {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.True(problem.GetProperty("code").GetString() == hostile.ExpectedCode, $"{hostile.Name}, {path}: {text}");
        // Stopped by a limit of its own, never by the wall clock.
        Assert.DoesNotContain("Templates:Timeout", problem.GetProperty("detail").GetString() ?? "", StringComparison.Ordinal);
        Assert.True(elapsed < Quickly, $"{hostile.Name}, {path}: answered after {elapsed}");
    }

    private async Task<int> CountTemplatesAsync()
    {
        await using var db = host.App.Cells.Get(Region).CreateDbContext();
        return await db.Templates.CountAsync();
    }

    private async Task<string> StoreAsIfSavedBeforeTheLimitsAsync(string body)
    {
        var cell = host.App.Cells.Get(Region);
        var org = host.Org.OrganizationId;
        var id = SigillId.New("tpl", Region);
        var template = new Template
        {
            Id = id,
            OrganizationId = org,
            NameToken = (await cell.Keys.EncryptFieldAsync(org, Template.NamePurpose, "Saved before the limits", id))!,
            BodyToken = (await cell.Keys.EncryptFieldAsync(org, Template.BodyPurpose, body, id))!,
            VariablesToken = (await cell.Keys.EncryptFieldAsync(org, Template.VariablesPurpose, "[]", id))!,
            CreatedAt = DateTime.UtcNow,
        };
        await using var db = cell.CreateDbContext();
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return id;
    }
}
