using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Organizations;
using Sigill.Cli.Commands;
using Sigill.Tests.Infrastructure;
using Sigill.Web;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Operations;

/// <summary>Two real API processes on one PostgreSQL and one S3 bucket, behind one web tier that balances between them.</summary>
public sealed partial class SeveralApiNodesTests
{
    [Fact]
    public async Task Killing_one_of_two_api_nodes_mid_flow_loses_no_acknowledged_request_and_the_flow_continues_on_the_other()
    {
        using var directory = new TempDirectory();
        var credential = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(36));
        var master = directory.Combine("master.key");
        await File.WriteAllTextAsync(master, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        File.SetUnixFileMode(master, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var cellOptions = new CellOptions
        {
            Database = new DatabaseOptions { Provider = "postgres", ConnectionString = await TestServices.CreatePostgresDatabaseAsync() },
            Blobs = await TestServices.CreateS3BucketAsync(),
            Keys = new Sigill.Crypto.KeyProviderOptions { KeyringDirectory = directory.Combine("keys"), MasterKeyFile = master },
        };
        var config = directory.Combine("api.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Environment = "development",
            Regions = "eu",
            ServiceCredential = credential,
            Identity = new { DirectoryKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) },
            Audit = new { Host = "sign.example.test", InstallationId = "two-nodes" },
            Cells = new { eu = cellOptions },
        }));
        var noData = directory.Combine("no-data");
        var migrate = await SigillProcess.RunAsync(TimeSpan.FromMinutes(2), "migrate", "--config", config, "--data", noData);
        Assert.True(migrate.ExitCode == 0, migrate.Stderr);
        // The organization (and its keys in the shared file keyring) exists before the nodes load the keyring.
        string token;
        using (var cell = new Cell("eu", cellOptions, "development"))
        {
            (_, _, token) = await OrganizationFactory.CreateAsync(cell, "Two Nodes AB", "Owner token", TimeProvider.System, CancellationToken.None);
        }

        await using var nodeA = SigillProcess.Start("api", "--config", config, "--data", noData, "--port", SigillProcess.FreePort().ToString(CultureInfo.InvariantCulture));
        await using var nodeB = SigillProcess.Start("api", "--config", config, "--data", noData, "--port", SigillProcess.FreePort().ToString(CultureInfo.InvariantCulture));
        var urlA = await nodeA.WaitForLineAsync("api:", TimeSpan.FromSeconds(90));
        var urlB = await nodeB.WaitForLineAsync("api:", TimeSpan.FromSeconds(90));
        await using var web = WebTierHost.Build(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ApiBaseUrl"] = $"{urlA},{urlB}",
            ["RegionApis:eu:0"] = urlA,
            ["RegionApis:eu:1"] = urlB,
            ["ServiceCredential"] = credential,
            ["HealthCheckInterval"] = "00:00:00.500",
            ["ReactivationPeriod"] = "00:05:00",
        }).Build(), "http://127.0.0.1:0");
        var webUrl = await TierRunner.StartAsync(web, "web", 0, CancellationToken.None);
        using var client = new HttpClient { BaseAddress = webUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var acknowledged = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        var pdf = SamplePdf("two nodes");
        var killedAfter = -1;
        var killGate = new SemaphoreSlim(1, 1);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        async Task WorkAsync()
        {
            while (acknowledged.Count < 90 && DateTime.UtcNow < deadline)
            {
                try
                {
                    using var response = await UploadAsync(client, "Node test", pdf);
                    if (response.IsSuccessStatusCode)
                    {
                        acknowledged.Add((await OkJsonAsync(response)).GetProperty("id").GetString()!);
                    }
                    else
                    {
                        failures.Add(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                    }
                }
                catch (HttpRequestException e)
                {
                    failures.Add(e.GetType().Name);
                }
                if (acknowledged.Count >= 30 && killedAfter < 0 && await killGate.WaitAsync(0))
                {
                    Assert.True(ServedUploads(await ScrapeAsync(urlA, credential)) > 0, "node A took no uploads before it was killed");
                    Assert.True(ServedUploads(await ScrapeAsync(urlB, credential)) > 0, "node B took no uploads before node A was killed");
                    await nodeA.KillAsync(); // mid-flow: the other workers keep sending
                    killedAfter = acknowledged.Count;
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => WorkAsync()));

        Assert.True(killedAfter > 0, "node A was never killed");
        Assert.True(acknowledged.Count >= 90, $"only {acknowledged.Count} uploads acknowledged; failures: {string.Join(", ", failures)}");
        // Only requests in flight on node A when it died may fail (4 workers); none after.
        Assert.True(failures.Count <= 4, $"{failures.Count} requests failed: {string.Join(", ", failures)}");
        foreach (var id in acknowledged)
        {
            using var response = await client.GetAsync($"/api/v1/documents/{id}");
            Assert.True(response.IsSuccessStatusCode, $"acknowledged document {id} is gone: {(int)response.StatusCode}");
        }
        Assert.Equal(acknowledged.Count, acknowledged.Distinct().Count());

        // After the kill the consistency checker (sigill doctor) finds nothing half-written in the PostgreSQL + S3 cell:
        // every document's PDF there and decrypting, the audit log whole, no orphaned job. This process opens the
        // keyring the two nodes wrote to at once, so it also proves they agreed on every key.
        using (var cell = new Cell("eu", cellOptions, "development"))
        {
            var report = await Sigill.Api.Features.Doctor.CellDoctor.ExamineAsync(cell, repair: false, TimeProvider.System, null, CancellationToken.None);
            Assert.True(report.Problems == 0, string.Join("\n", report.Findings.Select(f => $"{f.Code} {f.Subject}: {f.Detail}")));
            Assert.True(report.Documents >= acknowledged.Count, $"{report.Documents} documents in the cell, {acknowledged.Count} acknowledged");
        }
    }

    private static async Task<string> ScrapeAsync(string apiUrl, string credential)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add(Sigill.Contracts.SigillHeaders.ServiceCredential, credential);
        return await http.GetStringAsync(apiUrl.TrimEnd('/') + "/metrics");
    }

    private static long ServedUploads(string scrape) =>
        UploadCount().Matches(scrape).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex("(?m)^http_server_request_duration_seconds_count\\{[^}]*http_request_method=\"POST\"[^}]*http_route=\"/api/v1/documents/?\"[^}]*\\} ([0-9]+)")]
    private static partial Regex UploadCount();
}
