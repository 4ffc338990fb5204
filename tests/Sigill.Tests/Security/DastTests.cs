using System.Data.Common;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Cells;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Security;

/// <summary>
/// Dynamic scans of a running embedded instance seeded with two organizations (issue 20, item 2), with Debian's
/// scanners. Each has a planted bug beside it that it must find: a scanner that finds nothing on a planted bug is a
/// check that cannot fail.
/// </summary>
public sealed partial class DastTests
{
    [System.Text.RegularExpressions.GeneratedRegex("id=\"token-secret\">([^<]+)<")]
    private static partial System.Text.RegularExpressions.Regex SecretToken();

    /// <summary>sqlmap's share of the suite; <c>SIGILL_SQLMAP_MINUTES</c> gives it more.</summary>
    private static readonly TimeSpan SqlMapTimeBox = TimeSpan.FromMinutes(
        double.TryParse(Environment.GetEnvironmentVariable("SIGILL_SQLMAP_MINUTES"), System.Globalization.CultureInfo.InvariantCulture, out var m) && m > 0 ? m : 6);

    [Fact]
    public async Task Sqlmap_finds_no_injection_in_any_query_or_json_body_parameter_the_openapi_document_lists()
    {
        await using var app = await SigillApp.StartAsync(SigillApp.NoRateLimits);
        var a = await app.SetUpOrganizationAsync("Dast A", "eu");
        var b = await app.SetUpOrganizationAsync("Dast B", "eu");
        using var owner = app.Web(a.ApiToken);
        var ids = await OwnIdsAsync(owner, a);
        await OwnIdsAsync(app.Web(b.ApiToken), b); // the other organization's rows are there to be leaked, if anything could

        var targets = SqlMapScan.TargetsOf(await owner.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json"));
        Assert.True(targets.Count > 30, $"only {targets.Count} operations with a query or body parameter");
        var result = await new SqlMapScan(app.WebUrl, a.ApiToken, ids).RunAsync(targets, SqlMapTimeBox);

        ScanSummary.Write($"sqlmap: {result.Scanned} of {result.Targets} operations ({result.Parameters} query and JSON-body parameters) " +
            $"in {result.Took.TotalMinutes:0.0} min, {result.Findings.Count} findings ({result.Unconfirmed.Count} reported once and not again: {string.Join("; ", result.Unconfirmed.Select(u => u.Split(':')[0]))})");
        Assert.True(result.Findings.Count == 0, string.Join("\n", result.Findings));
        Assert.True(result.Unfinished.Count == 0, "sqlmap did not finish:\n" + string.Join("\n", result.Unfinished));
        Assert.True(result.Scanned == result.Targets, $"the time box ran out after {result.Scanned} of {result.Targets} operations");
    }

    /// <summary>The same scan finds an endpoint that builds its SQL from the query string (planted in front of the API by a test-only startup filter).</summary>
    [Fact]
    public async Task Sqlmap_finds_the_planted_injectable_endpoint()
    {
        await using var app = await SigillApp.StartAsync(SigillApp.NoRateLimits, apiOverrides: services => services.AddSingleton<IStartupFilter, PlantedInjection>());
        var a = await app.SetUpOrganizationAsync("Dast Planted", "eu");
        var planted = new SqlMapScan.Target("GET", PlantedInjection.Path, ["name"], null);
        var body = new SqlMapScan.Target("POST", PlantedInjection.Path, [], new JsonObject { ["name"] = "sigill" });

        var result = await new SqlMapScan(app.WebUrl, a.ApiToken, new Dictionary<string, string>()).RunAsync([planted, body], TimeSpan.FromMinutes(4));

        Assert.True(result.Findings.Count == 2, string.Join("\n", result.Findings.Concat(result.Unfinished).Concat(result.Unconfirmed.Select(u => "not confirmed: " + u))));
        Assert.Contains(result.Findings, f => f.StartsWith("GET /api/v1/planted-lookup", StringComparison.Ordinal) && f.Contains("Parameter: name", StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.StartsWith("POST /api/v1/planted-lookup", StringComparison.Ordinal) && f.Contains("name", StringComparison.Ordinal));
        ScanSummary.Write($"sqlmap, planted injectable endpoint: {result.Findings.Count} of 2 injection points found (query and JSON body)");
    }

    [Fact]
    public async Task Wapiti_crawling_the_signed_in_web_tier_finds_nothing_and_finds_the_planted_reflected_script()
    {
        await using var app = await SigillApp.StartAsync(SigillApp.NoRateLimits, apiOverrides: services => services.AddSingleton<IStartupFilter, PlantedEcho>());
        var web = app.Web();
        var session = await Identity.IdentityKit.SignUpThroughPagesAsync(app, web, "wapiti.owner@example.test", "eu", "Wapiti Owner", "Wapiti AB");
        // The owner's organization gets a document with a recipient and a field, and a template, so their pages and forms are crawled too.
        var tokens = await web.GetStringAsync("/tokens");
        using var created = await web.PostAsync("/tokens?handler=Create", Identity.IdentityKit.Form(tokens, ("name", "Seeding"), ("scopes", "documents:write"),
            ("scopes", "documents:read"), ("scopes", "templates:write"), ("scopes", "templates:read"), ("expiresInDays", "1")));
        var token = SecretToken().Match(await created.Content.ReadAsStringAsync()).Groups[1].Value;
        using var owner = app.Web(token);
        await OwnIdsAsync(owner, new SigillApp.SetUpOrganization("", "eu", token));
        var sent = (await UploadOkAsync(owner, "Sent for scanning", SamplePdf("dast sent"))).GetProperty("id").GetString()!;
        var signer = await AddRecipientAsync(owner, sent, "Scan Signer", "scan.signer@example.test");
        await AddFieldAsync(owner, sent, signer, "signature", 200);
        await AddFieldAsync(owner, sent, signer, "text", 300);
        await PostOkAsync(owner, $"/api/v1/documents/{sent}/send", new { message = "Please sign", expiresInDays = 7 });
        var signingPage = "/s/" + LinkFor(app.DataDirectory, "eu", "scan.signer@example.test"); // the public signing page, crawled as well
        var other = await app.SetUpOrganizationAsync("Dast Other", "eu");
        await OwnIdsAsync(app.Web(other.ApiToken), other);

        var report = await WapitiScan.RunAsync(app.WebUrl, session, [signingPage, PlantedEcho.Path + "?q=hello"], TimeSpan.FromMinutes(4));

        var planted = report.Findings.Where(f => f.Contains(PlantedEcho.Path, StringComparison.Ordinal)).ToList();
        var findings = report.Findings.Except(planted).ToList();
        ScanSummary.Write($"wapiti: {report.Urls} URLs and forms crawled signed in, {report.Modules} attack modules, {findings.Count} findings; planted reflected script: {planted.Count} findings");
        Assert.True(findings.Count == 0, string.Join("\n", findings));
        Assert.Contains(planted, f => f.StartsWith("Cross Site Scripting", StringComparison.Ordinal));
        Assert.True(report.Urls > 10, $"only {report.Urls} pages crawled: the session did not hold");
    }

    private static async Task<Dictionary<string, string>> OwnIdsAsync(HttpClient owner, SigillApp.SetUpOrganization org)
    {
        var document = (await UploadOkAsync(owner, "Scanned agreement", SamplePdf("dast"))).GetProperty("id").GetString()!;
        var recipient = await AddRecipientAsync(owner, document, "Scan Target", "scan.target@example.test");
        var field = await AddFieldAsync(owner, document, recipient, "signature", 300);
        var template = (await PostOkAsync(owner, "/api/v1/templates/", new { name = "Scanned template", variables = new[] { "client" }, body = "Hello {{ client }}" }))
            .GetProperty("id").GetString()!;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["documents/{id}"] = document, ["templates/{id}"] = template, ["organizations/{id}"] = org.OrganizationId,
            ["{recipientId}"] = recipient, ["{fieldId}"] = field, ["{region}"] = "eu",
        };
    }

    /// <summary>GET /api/v1/planted-echo?q=: writes q into an HTML page unescaped. Only the wapiti test installs it.</summary>
    private sealed class PlantedEcho : IStartupFilter
    {
        public const string Path = "/api/v1/planted-echo";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (http, following) =>
            {
                if (http.Request.Path != Path)
                {
                    await following(http);
                    return;
                }
                http.Response.ContentType = "text/html; charset=utf-8";
                await http.Response.WriteAsync("<!doctype html><html><body><p>You searched for " + http.Request.Query["q"] + "</p></body></html>");
            });
            next(app);
        };
    }

    /// <summary>
    /// GET or POST /api/v1/planted-lookup with <c>name</c>: looks organizations up by a SQL string built from the input,
    /// the bug every injection scanner exists for. Only the planted-bug test installs it.
    /// </summary>
    private sealed class PlantedInjection : IStartupFilter
    {
        public const string Path = "/api/v1/planted-lookup";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (http, following) =>
            {
                if (http.Request.Path != Path)
                {
                    await following(http);
                    return;
                }
                var name = HttpMethods.IsPost(http.Request.Method)
                    ? (await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body)).GetProperty("name").ToString()
                    : http.Request.Query["name"].ToString();
                await using var db = http.RequestServices.GetRequiredService<CellRegistry>().Get("eu").CreateDbContext();
                var connection = db.Database.GetDbConnection();
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // the planted injection
                // The value the scan sends ("sigill") selects rows and ends the statement, so a condition sqlmap appends
                // (sigill' AND 1=1 AND 'a'='a) decides the answer: boolean-blind finds it in seconds, with no wait on
                // time-based probes (a loaded machine once let those run out the time box).
                command.CommandText = "SELECT id FROM organizations WHERE 'sigill' = '" + name + "'";
#pragma warning restore CA2100
                try
                {
                    var rows = new List<string>();
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync()) rows.Add(reader.GetValue(0)?.ToString() ?? "");
                    await http.Response.WriteAsJsonAsync(new { organizations = rows });
                }
                catch (DbException e)
                {
                    http.Response.StatusCode = 500;
                    await http.Response.WriteAsync(e.Message);
                }
            });
            next(app);
        };
    }
}
