using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Sigill.Api.Platform.Security;
using Sigill.Cli.Commands;
using Sigill.Cli.Hosting;
using Sigill.Tests.Infrastructure;
using Sigill.Web;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Foundation;

/// <summary>One body limit per kind of request, enforced the same way by both tiers, from Content-Length or by counting.</summary>
public sealed class RequestLimitTests
{
    private static string Credential(SigillApp app)
    {
        using var api = app.Api(withServiceCredential: true);
        return api.DefaultRequestHeaders.GetValues(Sigill.Contracts.SigillHeaders.ServiceCredential).Single();
    }

    /// <summary>The public web tier, and the API tier straight (with the web tier's credential), each with the caller's token.</summary>
    private static (Uri Server, string[] Headers)[] BothTiers(SigillApp app, string token) =>
    [
        (app.WebUrl, [$"Authorization: Bearer {token}"]),
        (app.ApiUrl, [$"Authorization: Bearer {token}", $"{Sigill.Contracts.SigillHeaders.ServiceCredential}: {Credential(app)}"]),
    ];

    [Fact]
    public async Task A_60_MB_upload_is_refused_from_its_content_length_at_both_tiers_before_any_of_it_is_sent()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Limits", "eu");
        foreach (var (server, auth) in BothTiers(app, org.ApiToken))
        {
            var reply = await RawHttp.SendAsync(server, "POST", "/api/v1/documents",
                [.. auth, "Content-Type: multipart/form-data; boundary=sigill", $"Content-Length: {60L * 1024 * 1024}"]);
            Assert.Equal(413, reply.Status);
            Assert.Equal("pdf_too_large", reply.Code);
            Assert.Contains("52428800", reply.Body, StringComparison.Ordinal); // the documented default, 50 MiB
            Assert.Equal("close", reply.Headers["connection"]);
            Assert.True(reply.Elapsed < TimeSpan.FromSeconds(5), $"{server}: answered after {reply.Elapsed}");

            // A JSON body over the small limit (1 MiB by default) is refused the same way, with the general code.
            var json = await RawHttp.SendAsync(server, "POST", "/api/v1/templates", [.. auth, "Content-Type: application/json", $"Content-Length: {2 * 1024 * 1024}"]);
            Assert.Equal(413, json.Status);
            Assert.Equal("payload_too_large", json.Code);
            Assert.True(json.Elapsed < TimeSpan.FromSeconds(5), $"{server}: answered after {json.Elapsed}");
        }
        using var sender = app.Web(org.ApiToken);
        Assert.Equal(0, (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents")).GetArrayLength());
    }

    [Fact]
    public async Task Chunked_bodies_are_cut_as_soon_as_they_pass_the_configured_limit_at_both_tiers()
    {
        await using var app = await SigillApp.StartAsync("""{ "Documents": { "MaxPdfBytes": 200000 }, "Http": { "MaxBodyBytes": 100000 } }""");
        var org = await app.SetUpOrganizationAsync("Acme Chunks", "eu");
        const long Endless = 256L * 1024 * 1024;
        foreach (var (server, auth) in BothTiers(app, org.ApiToken))
        {
            // A well-formed start, then a file part that never ends: only its size can stop it. (Filler without a boundary
            // is refused sooner, as malformed, once the reader's preamble limit is passed — which of the two limits a
            // loaded machine met first decided the answer, so the body now starts the way an upload does.)
            var upload = await RawHttp.SendChunkedAsync(server, "POST", "/api/v1/documents", [.. auth, "Content-Type: multipart/form-data; boundary=sigill"], Endless,
                prefix: "--sigill\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nEndless\r\n--sigill\r\nContent-Disposition: form-data; name=\"file\"; filename=\"endless.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"u8.ToArray());
            Assert.True(upload.Status == 413, $"{server}: {upload.Status} {upload.Body}");
            Assert.Equal("pdf_too_large", upload.Code);
            Assert.True(upload.BodyBytesSent < 32L * 1024 * 1024, $"{server}: {upload.BodyBytesSent} bytes were taken");

            var json = await RawHttp.SendChunkedAsync(server, "POST", "/api/v1/templates", [.. auth, "Content-Type: application/json"], Endless, fill: (byte)' ');
            Assert.True(json.Status == 413, $"{server}: {json.Status} {json.Body}");
            Assert.Equal("payload_too_large", json.Code);
            Assert.True(json.BodyBytesSent < 32L * 1024 * 1024, $"{server}: {json.BodyBytesSent} bytes were taken");
        }

        // Under the limits everything works as before, through the ordinary client.
        using var sender = app.Web(org.ApiToken);
        await UploadOkAsync(sender, "Small enough", SamplePdf("fits"));
        using var tooBig = await UploadAsync(sender, "Too big", new byte[300_000]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal("pdf_too_large", await ProblemCodeAsync(tooBig));
    }

    [Fact]
    public async Task A_multipart_body_shorter_than_its_content_length_or_without_a_boundary_is_multipart_malformed_at_both_tiers()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Multipart", "eu");
        var start = Encoding.ASCII.GetBytes("--sigill\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nShort\r\n--sigill\r\n" +
            "Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n" + new string('x', 900));
        foreach (var (server, auth) in BothTiers(app, org.ApiToken))
        {
            // A fifth of the announced body, then silence: Kestrel gives up on the rest after its minimum-data-rate grace (5 s).
            var shorter = await RawHttp.SendAsync(server, "POST", "/api/v1/documents",
                [.. auth, "Content-Type: multipart/form-data; boundary=sigill", "Content-Length: 5000"], start);
            Assert.True(shorter.Status == 400, $"{server}: {shorter.Status} {shorter.Body}");
            Assert.Equal("multipart_malformed", shorter.Code);

            var noBoundary = await RawHttp.SendAsync(server, "POST", "/api/v1/documents",
                [.. auth, "Content-Type: multipart/form-data", $"Content-Length: {start.Length}"], start);
            Assert.True(noBoundary.Status == 400, $"{server}: {noBoundary.Status} {noBoundary.Body}");
            Assert.Equal("multipart_malformed", noBoundary.Code);

            var unterminated = await RawHttp.SendAsync(server, "POST", "/api/v1/documents",
                [.. auth, "Content-Type: multipart/form-data; boundary=sigill", $"Content-Length: {start.Length}"], start);
            Assert.True(unterminated.Status == 400, $"{server}: {unterminated.Status} {unterminated.Body}");
            Assert.Equal("multipart_malformed", unterminated.Code);
        }
        // The web tier's own upload page judges its form the same way.
        var page = await RawHttp.SendAsync(app.WebUrl, "POST", "/documents/new?handler=Upload",
            ["Content-Type: multipart/form-data; boundary=sigill", "Content-Length: 5000"], start);
        Assert.True(page.Status == 400, $"{page.Status} {page.Body}");
        Assert.Equal("multipart_malformed", page.Code);

        using var sender = app.Web(org.ApiToken);
        Assert.Equal(0, (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents")).GetArrayLength());
    }

    [Fact]
    public async Task The_web_tier_alone_refuses_an_oversized_upload_from_its_own_configuration_of_the_shared_key()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Documents:MaxPdfBytes"] = "100000",
            ["ServiceCredential"] = new string('c', 43),
            ["Identity:DirectoryKey"] = Convert.ToBase64String(new byte[32]),
        }).Build();
        // No API tier at all: the answer can only come from the web tier.
        await using var web = WebTierHost.Build(SigillConfiguration.ForWeb(config, "http://127.0.0.1:9"), "http://127.0.0.1:0");
        var url = await TierRunner.StartAsync(web, "web", 0, CancellationToken.None);
        var reply = await RawHttp.SendAsync(url, "POST", "/api/v1/documents", ["Content-Type: multipart/form-data; boundary=x", "Content-Length: 200000"]);
        Assert.Equal(413, reply.Status);
        Assert.Equal("pdf_too_large", reply.Code);
        Assert.Contains("100000", reply.Body, StringComparison.Ordinal);
        await web.StopAsync();
    }
}
