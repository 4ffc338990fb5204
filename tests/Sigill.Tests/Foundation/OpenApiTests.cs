using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

public sealed partial class OpenApiTests
{
    [GeneratedRegex(@"\{\*{0,2}([A-Za-z]+)[^}]*\}")]
    private static partial Regex Parameter();

    private static string Normalize(string path) => Parameter().Replace(path, m => "{" + m.Groups[1].Value + "}").TrimEnd('/') is { Length: > 0 } p ? p : "/";

    [Fact]
    public async Task The_openapi_document_is_served_through_the_web_tier_and_lists_every_api_route()
    {
        await using var app = await SigillApp.StartAsync();
        using var web = app.Web(); // anonymous, through the public tier's /api/v1 pass-through
        var document = await web.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("Sigill API", document.GetProperty("info").GetProperty("title").GetString());
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {Normalize(p.Name)}")).ToHashSet(StringComparer.Ordinal);

        var routes = app.ApiServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith("/api/v1/", StringComparison.Ordinal) && raw != "/api/v1/openapi.json")
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToList();
        Assert.True(routes.Count > 30, $"only {routes.Count} routes found");
        var missing = routes.Where(r => !documented.Contains(r)).ToList();
        Assert.True(missing.Count == 0, "routes missing from the OpenAPI document: " + string.Join("; ", missing) + "\ndocumented: " + string.Join("; ", documented));
        Assert.Contains("POST /api/v1/webhooks", documented);
        Assert.Contains("POST /api/v1/signing/{token}/step-up", documented);
    }
}
