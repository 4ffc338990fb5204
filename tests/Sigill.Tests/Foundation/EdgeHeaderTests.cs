using System.Net;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

/// <summary>What every response says about the server, and how long a browser may keep the web tier's assets.</summary>
public sealed partial class EdgeHeaderTests : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task No_response_of_either_tier_names_its_server()
    {
        using var web = _app.Web();
        using var api = _app.Api(withServiceCredential: true);
        using var stranger = _app.Api(withServiceCredential: false);
        var responses = new List<(string What, HttpResponseMessage Response)>
        {
            ("web page", await web.GetAsync("/sign-in")),
            ("web asset", await web.GetAsync("/assets/site.css")),
            ("web 404", await web.GetAsync("/no-such-page")),
            ("web health", await web.GetAsync("/health/ready")),
            ("web pass-through 401", await web.GetAsync("/api/v1/documents")),
            ("web 413", await web.PostAsync("/api/v1/templates", new ByteArrayContent(new byte[2 * 1024 * 1024]))),
            ("api health", await api.GetAsync("/health/live")),
            ("api 401", await api.GetAsync("/api/v1/documents")),
            ("api without credential", await stranger.GetAsync("/api/v1/documents")),
        };
        foreach (var (what, response) in responses)
        {
            Assert.True(response.Headers.Server.Count == 0 && !response.Headers.Contains("Server"), $"{what}: Server: {response.Headers.Server}");
            response.Dispose();
        }
        var raw = await RawHttp.SendAsync(_app.WebUrl, "POST", "/api/v1/documents", ["Content-Type: multipart/form-data; boundary=x", $"Content-Length: {60L * 1024 * 1024}"]);
        Assert.False(raw.Headers.ContainsKey("server"));
    }

    [GeneratedRegex("/assets/([0-9a-f]{12})/site\\.css")]
    private static partial Regex VersionedStylesheet();

    [Fact]
    public async Task Pages_link_fingerprinted_assets_that_are_cached_for_a_year_while_other_asset_paths_revalidate()
    {
        using var web = _app.Web();
        using var page = await web.GetAsync("/sign-in");
        Assert.Equal("no-store", page.Headers.CacheControl!.ToString());
        var version = VersionedStylesheet().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        Assert.Matches("^[0-9a-f]{12}$", version);

        foreach (var (path, mediaType) in new[] { ("site.css", "text/css"), ("recipient.js", "text/javascript"), ("vendor/pdfjs/pdf.min.mjs", "text/javascript") })
        {
            using var fingerprinted = await web.GetAsync($"/assets/{version}/{path}");
            Assert.Equal(HttpStatusCode.OK, fingerprinted.StatusCode);
            Assert.Equal(mediaType, fingerprinted.Content.Headers.ContentType!.MediaType);
            var cache = fingerprinted.Headers.CacheControl!;
            Assert.True(cache.Public && cache.MaxAge == TimeSpan.FromDays(365) && cache.Extensions.Any(e => e.Name == "immutable"), $"{path}: {cache}");

            using var plain = await web.GetAsync($"/assets/{path}");
            Assert.True(plain.Headers.CacheControl!.NoCache, $"{path}: {plain.Headers.CacheControl}");
            Assert.Equal(await fingerprinted.Content.ReadAsByteArrayAsync(), await plain.Content.ReadAsByteArrayAsync());
        }
        // Modules import each other relatively, so a fingerprinted page never mixes versions.
        Assert.Contains("from \"./pdf-pages.js\"", await web.GetStringAsync($"/assets/{version}/recipient.js"), StringComparison.Ordinal);

        // Another version's path (a page from a web node on another release) is served, but never kept for good.
        var other = version == "000000000000" ? "111111111111" : "000000000000";
        using var stale = await web.GetAsync($"/assets/{other}/site.css");
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.True(stale.Headers.CacheControl!.NoCache, stale.Headers.CacheControl.ToString());
        using var missing = await web.GetAsync($"/assets/{version}/no-such-file.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
