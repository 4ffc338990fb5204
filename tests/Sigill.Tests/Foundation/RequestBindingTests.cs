using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

/// <summary>
/// The request context is bound once, before any handler runs: the cell a route's <c>{region}</c> names, and the
/// recipient's signing link. What cannot be bound ends the request the same way on every route, and touches nothing.
/// </summary>
public sealed class RequestBindingTests : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string> RegionRoutes() =>
    [
        "/api/v1/regions/{0}/auth/locate",
        "/api/v1/regions/{0}/auth/sign-in",
        "/api/v1/regions/{0}/auth/second-factor",
        "/api/v1/regions/{0}/invitations/accept",
        "/api/v1/regions/{0}/auth/sign-up",
        "/api/v1/regions/{0}/auth/sign-up/verify",
        "/api/v1/regions/{0}/auth/password-reset",
        "/api/v1/regions/{0}/auth/password-reset/complete",
        "/api/v1/regions/{0}/auth/sso/start",
        "/api/v1/regions/{0}/auth/sso/callback",
    ];

    [Theory]
    [MemberData(nameof(RegionRoutes))]
    public async Task A_region_this_deployment_does_not_serve_answers_region_not_served_on_every_route_that_names_one(string route)
    {
        using var api = _app.Api(withServiceCredential: true);
        foreach (var region in new[] { "ap", "US", "eu-west", "x" })
        {
            using var response = await api.PostAsJsonAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, route, region),
                new { email = "someone@example.com", password = "correct horse battery staple", emailHash = new string('a', 64) });
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{region}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("region_not_served", problem.RootElement.GetProperty("code").GetString());
        }
        // A served region reaches the handler, which judges the body (here: an unknown account, a bad token, …), never 404 region_not_served.
        using var served = await api.PostAsJsonAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, route, "us"), new { });
        Assert.NotEqual(HttpStatusCode.InternalServerError, served.StatusCode);
        Assert.DoesNotContain("region_not_served", await served.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> SigningRoutes() => new()
    {
        { "GET", "" },
        { "GET", "/document.pdf" },
        { "POST", "/consent" },
        { "POST", "/sign" },
        { "POST", "/decline" },
        { "POST", "/step-up" },
        { "POST", "/step-up/code" },
    };

    [Theory]
    [MemberData(nameof(SigningRoutes))]
    public async Task A_link_that_is_malformed_unknown_or_of_another_region_answers_a_bare_404_on_every_signing_route(string method, string suffix)
    {
        using var api = _app.Api(withServiceCredential: true);
        var tokens = new[]
        {
            "not-a-token",
            "sgr_us_" + new string('a', 52),                     // well-formed, unknown
            "sgr_ap_" + new string('a', 52),                     // a region this deployment does not serve
            "sgr_eu",                                            // cut short
        };
        foreach (var token in tokens)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/v1/signing/{token}{suffix}");
            if (method == "POST") request.Content = JsonContent.Create(new { accept = true, typedName = "x", reason = "because", code = "123456" });
            using var response = await api.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("sgr_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
