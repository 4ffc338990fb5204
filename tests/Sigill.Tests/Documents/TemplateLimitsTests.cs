using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Templates;
using Sigill.Tests.Infrastructure;
using Xunit.Abstractions;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>The <c>Templates</c> limits are settings, checked at start, and a render stops when its client goes away.</summary>
public sealed class TemplateLimitsTests(ITestOutputHelper output)
{
    /// <summary>10^12 loop iterations over one prepared array: no range, string or output limit is near, only steps and time.</summary>
    private const string Endless =
        "{% assign r = (1..1000) %}{% for a in r %}{% for b in r %}{% for c in r %}{% for d in r %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}";

    [Fact]
    public async Task A_render_stops_soon_after_its_client_goes_away()
    {
        // Limits raised so far that only the client can stop this render: 10^9 steps take a minute or more (the wall clock is 10).
        await using var app = await SigillApp.StartAsync("""{ "Templates": { "MaxSteps": 1000000000, "MaxBuiltChars": 1000000000, "Timeout": "00:10:00" } }""");
        var org = await app.SetUpOrganizationAsync("Acme Gone", "us");
        var renders = app.ApiServices.GetRequiredService<TemplateMetrics>();
        using var sender = app.Web(org.ApiToken);
        using var client = new CancellationTokenSource();

        var saving = sender.PostAsJsonAsync("/api/v1/templates", new { name = "Endless", body = Endless, variables = Array.Empty<string>() }, client.Token);
        Assert.True(await EventuallyAsync(() => renders.Active == 1, TimeSpan.FromSeconds(30)), "the render never started");

        var gone = Stopwatch.StartNew();
        await client.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => saving);
        Assert.True(await EventuallyAsync(() => renders.Active == 0, TimeSpan.FromSeconds(5)), "the render went on after its client left");
        output.WriteLine($"render stopped {gone.ElapsedMilliseconds} ms after the client went away");

        await using var db = app.Cells.Get("us").CreateDbContext();
        Assert.Equal(0, await db.Templates.CountAsync());
    }

    [Fact]
    public async Task A_lower_limit_from_configuration_refuses_what_the_default_allows_and_names_the_setting()
    {
        const string body = "{% for i in (1..300) %}{{ i }} {% endfor %}";
        await using (var defaults = await SigillApp.StartAsync())
        {
            var org = await defaults.SetUpOrganizationAsync("Acme Defaults", "us");
            using var sender = defaults.Web(org.ApiToken);
            await PostOkAsync(sender, "/api/v1/templates", new { name = "Loop", body, variables = Array.Empty<string>() });
        }
        await using var strict = await SigillApp.StartAsync("""{ "Templates": { "MaxSteps": 200 } }""");
        var strictOrg = await strict.SetUpOrganizationAsync("Acme Strict", "us");
        using var strictSender = strict.Web(strictOrg.ApiToken);
        using var response = await strictSender.PostAsJsonAsync("/api/v1/templates", new { name = "Loop", body, variables = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("template_too_expensive", problem.GetProperty("code").GetString());
        Assert.Contains("200 steps", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Templates:MaxSteps", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Template_settings_are_read_from_the_Templates_section_and_an_impossible_one_is_refused()
    {
        static TemplateLimits Bind(params (string Key, string Value)[] settings) => ConfiguredOptions.Api<TemplateLimits>(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create("Templates:" + s.Key, (string?)s.Value))).Build(), "Templates");

        var defaults = Bind();
        Assert.Equal((100_000, 64, 250_000, 100_000, 10_000, 5_000_000L, 500, TimeSpan.FromSeconds(2)),
            (defaults.MaxSteps, defaults.MaxNesting, defaults.MaxOutputChars, defaults.MaxStringChars, defaults.MaxCollectionItems, defaults.MaxBuiltChars, defaults.MaxPages, defaults.Timeout));
        Assert.Equal(TimeSpan.FromSeconds(5), Bind(("Timeout", "00:00:05")).Timeout);
        // Deeper nesting than 256 levels would risk the thread's stack again.
        Assert.Contains("Templates:MaxNesting", Assert.Throws<Sigill.Http.SigillConfigurationException>(() => Bind(("MaxNesting", "100000"))).Message, StringComparison.Ordinal);
        Assert.Contains("Templates:MaxBuiltChars", Assert.Throws<Sigill.Http.SigillConfigurationException>(() => Bind(("MaxBuiltChars", "10"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_docs_list_exactly_the_filters_templates_may_use_and_every_template_error_code()
    {
        var api = File.ReadAllText(Path.Combine(Repository.Root, "docs", "api.md"));
        var start = api.IndexOf("Filters:\n", StringComparison.Ordinal);
        var end = api.IndexOf("\nAny other", start, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/api.md has no filter list");
        var documented = Regex.Matches(api[(start + "Filters:".Length)..end], "[a-z0-9_]+").Select(m => m.Value).ToList();
        Assert.Equal(new LiquidSandbox(new TemplateLimits()).FilterNames, documented);

        var errors = File.ReadAllText(Path.Combine(Repository.Root, "docs", "errors.md"));
        foreach (var code in new[] { "template_syntax_error", "template_tag_not_allowed", "template_filter_unknown", "template_too_expensive",
                     "template_variable_unknown", "template_block_unknown", "template_render_failed" })
        {
            Assert.Contains($"| `{code}` | 400 |", errors, StringComparison.Ordinal);
        }
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > within) return false;
            await Task.Delay(20);
        }
        return true;
    }
}
