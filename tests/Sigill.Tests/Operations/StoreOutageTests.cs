using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sigill.Tests.Documents;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>
/// Issue 21's storage faults, through the public web tier of a running installation on PostgreSQL + S3: while the
/// region's PostgreSQL is stopped, or its S3 endpoint does not answer, a request that needs it gets a clear
/// <c>503 store_unavailable</c> with <c>Retry-After</c> (not a 500), readiness turns 503, nothing is stored half-way; once
/// the store is back the same requests succeed without restarting Sigill for the database, and the consistency checker
/// finds nothing wrong.
/// </summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task A_stopped_database_or_an_unreachable_object_store_gets_503_with_retry_after_stores_nothing_and_the_cell_recovers()
    {
        await using var postgres = await ThrowawayPostgres.StartAsync();
        var config = JsonNode.Parse((await Backends.ConfigAsync(Backend.PostgresS3, SigillApp.NoRateLimits))!)!;
        config["Cells"]!["eu"]!["Database"]!["ConnectionString"] = await postgres.CreateDatabaseAsync("outage");
        await using var s3 = new TcpFaultProxy(new Uri(TestServices.S3Url));
        config["Cells"]!["eu"]!["Blobs"]!["ServiceUrl"] = s3.Url.ToString().TrimEnd('/');
        await using var app = await SigillApp.StartAsync(config.ToJsonString());
        var org = await app.SetUpOrganizationAsync("Outage AB", "eu");
        using var client = app.Web(org.ApiToken);
        var pdf = DocumentKit.SamplePdf("Outage");
        using (var before = await DocumentKit.UploadAsync(client, "Before", pdf)) Assert.Equal(HttpStatusCode.Created, before.StatusCode);

        // The database stops: reads and writes answer 503 with Retry-After, and readiness says so.
        await postgres.StopAsync();
        using (var upload = await DocumentKit.UploadAsync(client, "While the database is down", pdf)) await AssertUnavailableAsync(upload);
        using (var list = await client.GetAsync(new Uri("/api/v1/documents", UriKind.Relative))) await AssertUnavailableAsync(list);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ReadinessAfterAsync(client)); // each check's result is reused for a second
        await postgres.StartAgainAsync();
        // Back without restarting Sigill: the pool opens new connections.
        using (var after = await UploadWhenBackAsync(client, "After the database", pdf)) Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.Equal(["After the database", "Before"], await TitlesAsync(client));

        // The object store stops answering (the proxy in front of it closes): an upload is refused before any row is
        // written, reads of stored PDFs answer 503, and what the database holds is still served.
        await s3.CutAsync();
        using (var upload = await DocumentKit.UploadAsync(client, "While the store is down", pdf)) await AssertUnavailableAsync(upload);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ReadinessAfterAsync(client));
        var id = (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/documents", UriKind.Relative)))[0].GetProperty("id").GetString();
        using (var download = await client.GetAsync(new Uri($"/api/v1/documents/{id}/pdf", UriKind.Relative))) await AssertUnavailableAsync(download);
        Assert.Equal(["After the database", "Before"], await TitlesAsync(client));
        s3.Restore();
        using (var after = await DocumentKit.UploadAsync(client, "After the store", pdf)) Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await ReadinessAfterAsync(client));
        var report = await Sigill.Api.Features.Doctor.CellDoctor.ExamineAsync(app.Cells.Get("eu"), repair: false, TimeProvider.System, null, CancellationToken.None);
        Assert.True(report.Problems == 0, string.Join("\n", report.Findings.Select(f => $"{f.Code} {f.Subject}: {f.Detail}")));
        Assert.Equal(3, report.Documents);
    }

    /// <summary>The storage-outage answer, shared with <see cref="SlowStoreTests"/>.</summary>
    internal static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("store_unavailable", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
        Assert.Equal("Storage is unavailable; try again shortly.", JsonDocument.Parse(text).RootElement.GetProperty("title").GetString());
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal); // no host leaves in a problem
    }

    /// <summary>Right after PostgreSQL starts again the first connection attempt may still meet its startup: retry as a client told Retry-After would.</summary>
    private static async Task<HttpResponseMessage> UploadWhenBackAsync(HttpClient client, string title, byte[] pdf)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await DocumentKit.UploadAsync(client, title, pdf);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 10) return response;
            response.Dispose();
            await Task.Delay(500);
        }
    }

    /// <summary>Readiness once the cached answer (<c>CellReadiness.Fresh</c>) has aged.</summary>
    internal static async Task<HttpStatusCode> ReadinessAfterAsync(HttpClient client)
    {
        await Task.Delay(Sigill.Api.Platform.Health.CellReadiness.Fresh + TimeSpan.FromMilliseconds(200));
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        return ready.StatusCode;
    }

    internal static async Task<List<string>> TitlesAsync(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/documents", UriKind.Relative))).EnumerateArray().Select(d => d.GetProperty("title").GetString()!).Order(StringComparer.Ordinal)];
}
