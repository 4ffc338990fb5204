using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Security;

/// <summary>
/// OpenAPI-driven fuzzing of the whole API through the public tier, as organization A's owner, with organization B's
/// identifiers among the inputs. The rules: no 5xx; no request slower than <see cref="Slowest"/>; every 4xx a problem
/// details whose code docs/errors.md lists; and a refused request changes nothing stored. Deterministic by seed
/// (<c>SIGILL_FUZZ_SEED</c>); <c>SIGILL_FUZZ_REQUESTS</c> runs more than the CI default.
/// </summary>
public sealed partial class ApiFuzzTests
{
    private const int CiRequests = 2500;
    private static readonly TimeSpan Slowest = TimeSpan.FromSeconds(20);

    /// <summary>Rows that a refused request may write: throttle counters, the audit of failures, queued jobs.</summary>
    private static readonly HashSet<string> Bookkeeping = new(StringComparer.Ordinal)
    {
        "throttles", "known_sign_in_sources", "audit_events", "audit_checkpoints", "jobs", "__EFMigrationsHistory",
    };

    [GeneratedRegex(@"^\| `(?<code>[a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedCode();

    [Fact]
    public async Task Hostile_requests_from_the_openapi_document_get_no_5xx_only_documented_problems_and_change_nothing_when_refused()
    {
        var seed = ApiFuzzer.SeedFrom(Environment.GetEnvironmentVariable("SIGILL_FUZZ_SEED"));
        var budget = int.TryParse(Environment.GetEnvironmentVariable("SIGILL_FUZZ_REQUESTS"), out var n) && n > 0 ? n : CiRequests;
        await using var app = await SigillApp.StartAsync(SigillApp.NoRateLimits);
        var run = await FuzzAsync(app, seed, budget);
        ScanSummary.Write($"api fuzzer: {run.Operations} operations, {run.Refused + run.Accepted} requests (seed {seed}; {run.Refused} refused, " +
            $"{run.ByKestrel} of them by Kestrel before the application, {run.Accepted} accepted), {run.Findings.Count} findings");
        Assert.True(run.Findings.Count == 0, $"seed {seed}:\n" + string.Join("\n", run.Findings));
        Assert.True(run.Refused > budget / 2, $"only {run.Refused} of {budget} requests were refused: the fuzzer is not hostile enough");
    }

    /// <summary>
    /// The fuzzer can fail: bugs planted in front of real routes (a test-only middleware) — a 500 on a template name with
    /// a bidirectional override, an undocumented code on a document's activity, a row written by a refused webhook
    /// request — are each reported.
    /// </summary>
    [Fact]
    public async Task The_fuzzer_reports_a_planted_500_an_undocumented_problem_and_a_write_by_a_refused_request()
    {
        await using var app = await SigillApp.StartAsync(SigillApp.NoRateLimits, apiOverrides: services => services.AddSingleton<IStartupFilter, PlantedBugs>());
        // Every round through the operations finds the activity and webhook bugs again: room for findings, so the rarer
        // planted 500 (a generated name with a bidirectional override) is reached however many routes the API gains.
        var run = await FuzzAsync(app, seed: 5, budget: 4000, maxFindings: 200);
        Assert.Contains(run.Findings, f => f.Contains("POST /api/v1/templates", StringComparison.Ordinal) && f.Contains(": 500", StringComparison.Ordinal));
        Assert.Contains(run.Findings, f => f.Contains("/activity", StringComparison.Ordinal) && f.Contains("without a documented problem code", StringComparison.Ordinal));
        Assert.Contains(run.Findings, f => f.Contains("/webhooks", StringComparison.Ordinal) && f.Contains("went from", StringComparison.Ordinal));
    }

    private sealed record FuzzRun(int Operations, int Refused, int ByKestrel, int Accepted, List<string> Findings);

    private static async Task<FuzzRun> FuzzAsync(SigillApp app, int seed, int budget, int maxFindings = 20)
    {
        var a = await app.SetUpOrganizationAsync("Fuzz A", "eu");
        var b = await app.SetUpOrganizationAsync("Fuzz B", "eu");
        var foreign = await ForeignIdsAsync(app, b);
        var documented = DocumentedCode().Matches(File.ReadAllText(Path.Combine(Repository.Root, "docs", "errors.md")))
            .Select(m => m.Groups["code"].Value).ToHashSet(StringComparer.Ordinal);

        using var client = app.Web(a.ApiToken);
        client.Timeout = Slowest;
        var openApi = await client.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");
        var fuzzer = new ApiFuzzer(openApi, new Random(seed), foreign);
        var operations = fuzzer.Operations;
        Assert.True(operations.Count > 60, $"only {operations.Count} operations in the document");

        var findings = new List<string>();
        var (refused, accepted, kestrel) = (0, 0, 0);
        await using var db = app.Cells.Get("eu").CreateDbContext();
        var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct().Where(t => !Bookkeeping.Contains(t)).Order(StringComparer.Ordinal).ToList();
        var before = await RowCountsAsync(db, tables);
        for (var i = 0; i < budget && findings.Count < maxFindings; i++)
        {
            var op = operations[i % operations.Count];
            using var request = fuzzer.Request(op);
            var shown = $"#{i} {op} → {request.Method} {Shorten(request.RequestUri!.OriginalString)}";
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request);
            }
            catch (TaskCanceledException)
            {
                findings.Add($"{shown}: no answer within {Slowest.TotalSeconds} s");
                continue;
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync();
                if (status >= 500)
                {
                    findings.Add($"{shown}: {status} {Shorten(body)}");
                }
                else if (status >= 400)
                {
                    refused++;
                    if (RefusedByServer(status, response, body))
                    {
                        kestrel++; // a request line Kestrel itself refuses (too long, a NUL in the path): no application code ran
                    }
                    else if (Problem(response, body) is not { } code || !documented.Contains(code))
                    {
                        findings.Add($"{shown}: {status} without a documented problem code: {Shorten(body)}");
                    }
                    var after = await RowCountsAsync(db, tables);
                    if (Changed(before, after) is { } change) findings.Add($"{shown}: refused with {status}, yet {change}");
                    before = after;
                }
                else
                {
                    accepted++;
                    before = await RowCountsAsync(db, tables); // an accepted request may store what it was given
                }
            }
        }
        return new FuzzRun(operations.Count, refused, kestrel, accepted, findings);
    }

    /// <summary>Bugs for the fuzzer to find, in front of real routes; only the planted-bug test installs them.</summary>
    private sealed class PlantedBugs : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (http, following) =>
            {
                var path = http.Request.Path.Value ?? "";
                if (HttpMethods.IsPost(http.Request.Method) && path.StartsWith("/api/v1/templates", StringComparison.Ordinal))
                {
                    http.Request.EnableBuffering();
                    var text = await new StreamReader(http.Request.Body, leaveOpen: true).ReadToEndAsync();
                    http.Request.Body.Position = 0;
                    if (text.Contains("\\u202E", StringComparison.OrdinalIgnoreCase) || text.Contains('\u202E')) throw new InvalidOperationException("planted: a bidi override");
                }
                if (path.EndsWith("/activity", StringComparison.Ordinal))
                {
                    http.Response.StatusCode = 400;
                    await http.Response.WriteAsJsonAsync(new { title = "planted", code = "not_a_documented_code" }, (JsonSerializerOptions?)null, "application/problem+json");
                    return;
                }
                if (path.StartsWith("/api/v1/webhooks", StringComparison.Ordinal) && HttpMethods.IsPost(http.Request.Method))
                {
                    var cell = http.RequestServices.GetRequiredService<Sigill.Api.Platform.Cells.CellRegistry>().Get("eu");
                    await using var db = cell.CreateDbContext();
                    db.Add(new Sigill.Api.Features.Accounts.PendingSignUp
                    {
                        Id = "psu_eu_" + Guid.NewGuid().ToString("N")[..26], UserId = "usr_eu_planted", EmailHash = new string('0', 64), EmailToken = "x",
                        NameToken = "x", OrganizationNameToken = "x", PasswordHash = "x", SecretHash = new byte[32], ExpiresAt = DateTime.UtcNow.AddDays(1),
                    });
                    await db.SaveChangesAsync();
                    http.Response.StatusCode = 400;
                    await http.Response.WriteAsJsonAsync(new { title = "planted", code = "validation_failed" }, (JsonSerializerOptions?)null, "application/problem+json");
                    return;
                }
                await following(http);
            });
            next(app);
        };
    }

    [Fact]
    public void The_fuzzer_is_deterministic_by_seed_and_reaches_every_operation()
    {
        var document = JsonDocument.Parse("""
            {
              "paths": {
                "/things/{id}": { "post": { "parameters": [{ "name": "id", "in": "path", "schema": { "type": "string" } }],
                  "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Thing" } } } } } },
                "/things": { "get": { "parameters": [{ "name": "q", "in": "query", "schema": { "type": "string" } }] } }
              },
              "components": { "schemas": { "Thing": { "type": "object", "properties": {
                "name": { "type": ["null", "string"] }, "count": { "type": "integer" }, "tags": { "type": "array", "items": { "type": "string" } } } } } }
            }
            """).RootElement;
        string Run(int seed)
        {
            var fuzzer = new ApiFuzzer(document, new Random(seed), ["doc_eu_foreign"]);
            return string.Join("\n", Enumerable.Range(0, 40).Select(i =>
            {
                using var r = fuzzer.Request(fuzzer.Operations[i % fuzzer.Operations.Count]);
                return $"{r.Method} {r.RequestUri} {r.Content?.ReadAsStringAsync().Result}";
            }));
        }
        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
        Assert.Equal(["POST /things/{id}", "GET /things"], new ApiFuzzer(document, new Random(1), []).Operations.Select(o => o.ToString()));
    }

    /// <summary>Organization B's identifiers: a document, a recipient, a field, a template and the organization itself.</summary>
    private static async Task<IReadOnlyList<string>> ForeignIdsAsync(SigillApp app, SigillApp.SetUpOrganization b)
    {
        using var owner = app.Web(b.ApiToken);
        var doc = (await UploadOkAsync(owner, "Foreign agreement", SamplePdf("foreign"))).GetProperty("id").GetString()!;
        var recipient = await AddRecipientAsync(owner, doc, "Fo Reign", "fo.reign@example.test");
        var field = await AddFieldAsync(owner, doc, recipient, "signature", 300);
        var template = (await PostOkAsync(owner, "/api/v1/templates/", new { name = "Foreign template", variables = Array.Empty<string>(), body = "Hello" })).GetProperty("id").GetString()!;
        return [doc, recipient, field, template, b.OrganizationId];
    }

    /// <summary>Kestrel's own answer to a request line it will not parse (414 URI too long, 431, 400 for a NUL in the path): empty.</summary>
    private static bool RefusedByServer(int status, HttpResponseMessage response, string body) =>
        status is 400 or 414 or 431 && body.Length == 0 && response.Content.Headers.ContentType is null;

    private static string? Problem(HttpResponseMessage response, string body)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") return null;
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<Dictionary<string, long>> RowCountsAsync(DbContext db, IReadOnlyList<string> tables)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) await connection.OpenAsync();
        await using DbCommand command = connection.CreateCommand();
#pragma warning disable SCS0002, CA2100 // the table names come from the EF model, not from any input
        command.CommandText = string.Join(" UNION ALL ", tables.Select((t, i) => $"SELECT {i}, COUNT(*) FROM \"{t}\""));
#pragma warning restore SCS0002, CA2100
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[tables[reader.GetInt32(0)]] = reader.GetInt64(1);
        return counts;
    }

    private static string? Changed(Dictionary<string, long> before, Dictionary<string, long> after) =>
        before.Where(kv => after[kv.Key] != kv.Value).Select(kv => $"{kv.Key} went from {kv.Value} to {after[kv.Key]} rows").FirstOrDefault();

    private static string Shorten(string text) => text.Length > 240 ? text[..240] + "…" : text;
}
