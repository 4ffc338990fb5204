using System.Net;
using System.Net.Http.Json;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

public sealed class TierBoundaryTests : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/health/live")]
    [InlineData("/metrics")]
    [InlineData("/api/v1/setup")]
    [InlineData("/api/v1/organizations/current")]
    [InlineData("/no/such/route")]
    public async Task The_api_tier_refuses_every_request_without_the_service_credential(string path)
    {
        using var api = _app.Api(withServiceCredential: false);
        using var response = await api.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.Equal("service_credential_required", problem!["code"].ToString());
    }

    [Fact]
    public async Task The_api_tier_refuses_a_wrong_service_credential()
    {
        using var api = _app.Api(withServiceCredential: false);
        api.DefaultRequestHeaders.Add("Sigill-Service-Credential", new string('x', 44));
        using var response = await api.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_api_tier_answers_the_web_tiers_credential()
    {
        using var api = _app.Api(withServiceCredential: true);
        using var ready = await api.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var metrics = await api.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task The_web_tier_passes_api_v1_through_and_replaces_a_smuggled_credential()
    {
        using var web = _app.Web();
        web.DefaultRequestHeaders.Add("Sigill-Service-Credential", "guess");
        using var response = await web.GetAsync("/api/v1/setup");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.Equal("true", status!["setupPending"].ToString(), ignoreCase: true);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/api/v2/setup")]
    [InlineData("/internal/anything")]
    [InlineData("/apix/v1/setup")]
    public async Task The_web_tier_exposes_no_internal_route(string path)
    {
        using var web = _app.Web();
        using var response = await web.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Both_tiers_are_ready_when_every_cell_is()
    {
        using var web = _app.Web();
        using var response = await web.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_api_route_answers_anonymous_callers_401_and_members_404_as_problem_details()
    {
        using var anonymous = _app.Web();
        using var refused = await anonymous.GetAsync("/api/v1/nothing-here");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var org = await _app.SetUpOrganizationAsync("Routes Inc", "us");
        using var api = _app.Web(org.ApiToken);
        using var response = await api.GetAsync("/api/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.Equal("not_found", problem!["code"].ToString());
    }

    [Fact]
    public async Task Web_pages_carry_a_strict_content_security_policy()
    {
        using var web = _app.Web();
        using var response = await web.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self' 'nonce-", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task The_stylesheet_is_served_from_the_web_tier()
    {
        using var web = _app.Web();
        using var response = await web.GetAsync("/assets/site.css");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("--accent", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
