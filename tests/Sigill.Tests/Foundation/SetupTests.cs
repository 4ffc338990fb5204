using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

public sealed partial class SetupTests : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Setup_creates_the_organization_in_the_chosen_region_and_its_token_reads_it_back()
    {
        var org = await _app.SetUpOrganizationAsync("Acme AB", "eu");
        Assert.StartsWith("org_eu_", org.OrganizationId, StringComparison.Ordinal);
        Assert.StartsWith("sgl_eu_", org.ApiToken, StringComparison.Ordinal);

        using var web = _app.Web(org.ApiToken);
        var view = await web.GetFromJsonAsync<Dictionary<string, object>>("/api/v1/organizations/current");
        Assert.Equal("Acme AB", view!["name"].ToString());
        Assert.Equal("eu", view["region"].ToString());
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync($"/api/v1/organizations/{org.OrganizationId}")).StatusCode);
    }

    [Fact]
    public async Task A_setup_link_works_once()
    {
        var token = _app.IssueSetupToken();
        using var web = _app.Web();
        using var first = await web.PostAsJsonAsync("/api/v1/setup", new { setupToken = token, organizationName = "First", region = "us", name = "Ada Owner", email = "owner@example.com", password = "correct horse battery staple" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var second = await web.PostAsJsonAsync("/api/v1/setup", new { setupToken = token, organizationName = "Second", region = "us", name = "Ada Owner", email = "owner@example.com", password = "correct horse battery staple" });
        Assert.Equal(HttpStatusCode.Forbidden, second.StatusCode);
        Assert.Equal("setup_token_invalid", (await second.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["code"].ToString());
        var status = await web.GetFromJsonAsync<Dictionary<string, object>>("/api/v1/setup");
        Assert.Equal("false", status!["setupPending"].ToString(), ignoreCase: true);
    }

    [Theory]
    [InlineData("{\"setupToken\":\"TOKEN\",\"organizationName\":\"Acme\",\"region\":\"mars\"}", 400, "validation_failed")]
    [InlineData("{\"setupToken\":\"TOKEN\",\"organizationName\":\"\",\"region\":\"eu\"}", 400, "validation_failed")]
    [InlineData("{\"setupToken\":\"TOKEN\",\"region\":\"eu\"}", 400, "validation_failed")]
    [InlineData("{\"setupToken\":\"wrong\",\"organizationName\":\"Acme\",\"region\":\"eu\",\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"correct horse battery\"}", 403, "setup_token_invalid")]
    [InlineData("{\"setupToken\":\"TOKEN\",\"organizationName\":\"Acme\",\"region\":\"eu\",\"name\":\"Ada\",\"email\":\"not-an-address\",\"password\":\"correct horse battery\"}", 400, "validation_failed")]
    [InlineData("{\"setupToken\":\"TOKEN\",\"organizationName\":\"Acme\",\"region\":\"eu\",\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"short\"}", 400, "validation_failed")]
    [InlineData("{\"setupToken\":\"TOKEN\",\"organizationName\":\"Acme\",\"region\":\"eu\",\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"password123\"}", 400, "validation_failed")]
    [InlineData("{\"setupToken\": \"TOKEN\", \"organizationName\": ", 400, "bad_request")]
    public async Task Bad_setup_input_is_refused_with_problem_details_and_stores_nothing(string body, int status, string code)
    {
        var token = _app.IssueSetupToken();
        using var web = _app.Web();
        using var response = await web.PostAsync("/api/v1/setup", new StringContent(body.Replace("TOKEN", token, StringComparison.Ordinal), Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["code"].ToString());

        foreach (var cell in _app.Cells.All)
        {
            await using var db = cell.CreateDbContext();
            Assert.Equal(0, await db.Organizations.CountAsync());
            Assert.Equal(0, await db.ApiTokens.CountAsync());
            Assert.Equal(0, await db.Users.CountAsync());
        }
        // The link still works: a refused attempt does not burn it.
        using var retry = await web.PostAsJsonAsync("/api/v1/setup", new { setupToken = token, organizationName = "Acme", region = "eu", name = "Ada Owner", email = "owner@example.com", password = "correct horse battery staple" });
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
    }

    [Fact]
    public async Task The_setup_page_creates_the_organization_and_shows_the_token_once()
    {
        var token = _app.IssueSetupToken();
        using var web = _app.Web();
        var form = await web.GetStringAsync($"/setup/{token}");
        Assert.Contains("This choice is permanent", form, StringComparison.Ordinal);
        var antiforgery = AntiforgeryField().Match(form).Groups[1].Value;
        Assert.NotEmpty(antiforgery);

        using var withoutAntiforgery = await web.PostAsync($"/setup/{token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["OrganizationName"] = "Globex GmbH",
            ["Region"] = "eu",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, withoutAntiforgery.StatusCode);

        using var response = await web.PostAsync($"/setup/{token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["OrganizationName"] = "Globex GmbH",
            ["Region"] = "eu",
            ["Name"] = "Grace Owner",
            ["Email"] = "grace@example.com",
            ["Password"] = "correct horse battery staple",
            ["__RequestVerificationToken"] = antiforgery,
        }));
        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var apiToken = ApiTokenText().Match(page).Value;
        Assert.StartsWith("sgl_eu_", apiToken, StringComparison.Ordinal);
        Assert.Contains("no-store", string.Join(",", response.Headers.CacheControl?.ToString() ?? ""), StringComparison.Ordinal);

        using var api = _app.Web(apiToken);
        var view = await api.GetFromJsonAsync<Dictionary<string, object>>("/api/v1/organizations/current");
        Assert.Equal("Globex GmbH", view!["name"].ToString());
        Assert.Contains("already been set up", await web.GetStringAsync($"/setup/{token}"), StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("sgl_[a-z0-9]+_[a-z0-9]{26}_[a-z0-9]{52}")]
    private static partial Regex ApiTokenText();
}
