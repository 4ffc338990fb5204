using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sigill.Tests.Documents;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>
/// Issue 21's slow (not dead) object store, through the public web tier of an installation on PostgreSQL + S3: the
/// region's S3 endpoint sits behind a proxy that delays every chunk. Slower than usual but within the S3 client's
/// timeout (<c>Cells:eu:Blobs:Timeout</c>, three seconds here) requests only take longer and succeed, and readiness stays
/// ready; slower than the timeout they get <c>503 store_unavailable</c> with <c>Retry-After</c>, readiness turns 503,
/// and no document is stored half-way; at normal speed again everything succeeds without a restart and the consistency
/// checker finds nothing wrong.
/// </summary>
public sealed class SlowStoreTests
{
    [Fact]
    public async Task A_slow_object_store_only_slows_requests_and_past_the_s3_timeout_they_get_503_store_unavailable_and_store_nothing()
    {
        var config = JsonNode.Parse((await Backends.ConfigAsync(Backend.PostgresS3, SigillApp.NoRateLimits))!)!;
        await using var s3 = new TcpFaultProxy(new Uri(TestServices.S3Url));
        config["Cells"]!["eu"]!["Blobs"]!["ServiceUrl"] = s3.Url.ToString().TrimEnd('/');
        config["Cells"]!["eu"]!["Blobs"]!["Timeout"] = "00:00:03";
        await using var app = await SigillApp.StartAsync(config.ToJsonString());
        var org = await app.SetUpOrganizationAsync("Slow Store AB", "eu");
        using var client = app.Web(org.ApiToken);
        var pdf = DocumentKit.SamplePdf("Slow store");
        await DocumentKit.UploadOkAsync(client, "Before", pdf);

        // Slow but alive: each chunk waits 100 ms each way, well inside the timeout. Requests take longer and succeed.
        s3.Latency = TimeSpan.FromMilliseconds(100);
        var watch = Stopwatch.StartNew();
        var slow = (await DocumentKit.UploadOkAsync(client, "While slow", pdf)).GetProperty("id").GetString()!;
        Assert.True(watch.Elapsed >= s3.Latency, $"the upload took {watch.Elapsed}: the delay was not in its path");
        Assert.Equal(pdf, await client.GetByteArrayAsync(new Uri($"/api/v1/documents/{slow}/pdf", UriKind.Relative)));
        Assert.Equal(HttpStatusCode.OK, await StoreOutageTests.ReadinessAfterAsync(client));

        // Slower than the S3 client's timeout: a clear 503 with Retry-After, no document, and readiness says so.
        s3.Latency = TimeSpan.FromSeconds(5);
        using (var upload = await DocumentKit.UploadAsync(client, "While too slow", pdf)) await StoreOutageTests.AssertUnavailableAsync(upload);
        using (var download = await client.GetAsync(new Uri($"/api/v1/documents/{slow}/pdf", UriKind.Relative))) await StoreOutageTests.AssertUnavailableAsync(download);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StoreOutageTests.ReadinessAfterAsync(client));
        Assert.Equal(["Before", "While slow"], await StoreOutageTests.TitlesAsync(client));

        // At normal speed again, without a restart.
        s3.Latency = TimeSpan.Zero;
        using (var after = await DocumentKit.UploadAsync(client, "After", pdf)) Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.Equal(pdf, await client.GetByteArrayAsync(new Uri($"/api/v1/documents/{slow}/pdf", UriKind.Relative)));
        Assert.Equal(HttpStatusCode.OK, await ReadinessWhenBackAsync(client));
        Assert.Equal(["After", "Before", "While slow"], await StoreOutageTests.TitlesAsync(client));
        // A PUT the client gave up on may still reach S3 whole once the proxy passes it on: the checker counts such an
        // object as unreferenced (a write whose request never committed), which is not a problem; a row without its
        // object, or an object that does not decrypt, would be.
        var report = await Sigill.Api.Features.Doctor.CellDoctor.ExamineAsync(app.Cells.Get("eu"), repair: false, TimeProvider.System, null, CancellationToken.None);
        Assert.True(report.Problems == 0, string.Join("\n", report.Findings.Select(f => $"{f.Code} {f.Subject}: {f.Detail}")));
        Assert.Equal(3, report.Documents);
    }

    /// <summary>A probe that started while the store was slow may still be the one answered: ask again as a load balancer would.</summary>
    private static async Task<HttpStatusCode> ReadinessWhenBackAsync(HttpClient client)
    {
        for (var attempt = 1; ; attempt++)
        {
            var status = await StoreOutageTests.ReadinessAfterAsync(client);
            if (status == HttpStatusCode.OK || attempt == 20) return status;
        }
    }
}
