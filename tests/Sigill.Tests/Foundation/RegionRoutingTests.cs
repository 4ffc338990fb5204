using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Organizations;
using Sigill.Cli.Commands;
using Sigill.Cli.Hosting;
using Sigill.Tests.Infrastructure;
using Sigill.Web;

namespace Sigill.Tests.Foundation;

/// <summary>Production shape: one API deployment per region, each holding only its region, behind one web tier.</summary>
public sealed class RegionRoutingTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly List<WebApplication> _hosts = [];
    private Installation _installation = null!;
    private (Uri Url, CellRegistry Cells) _us;
    private (Uri Url, CellRegistry Cells) _eu;
    private Uri _web = null!;

    public async Task InitializeAsync()
    {
        _installation = Installation.OpenOrCreate(_directory.Combine("data"));
        _us = await StartApiAsync("us");
        _eu = await StartApiAsync("eu");
        var web = WebTierHost.Build(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ApiBaseUrl"] = _us.Url.ToString(),
            ["ServiceCredential"] = _installation.ServiceCredential,
            ["RegionApis:us"] = _us.Url.ToString(),
            ["RegionApis:eu"] = _eu.Url.ToString(),
        }).Build(), "http://127.0.0.1:0");
        _hosts.Add(web);
        _web = await TierRunner.StartAsync(web, "web", 0, CancellationToken.None);
    }

    private async Task<(Uri, CellRegistry)> StartApiAsync(string region)
    {
        var file = _directory.Combine($"{region}.json");
        await File.WriteAllTextAsync(file, $$"""{ "Regions": "{{region}}" }""");
        var configuration = SigillConfiguration.ForApi(SigillConfiguration.Load(_installation, file));
        await TierRunner.MigrateAsync(TierRunner.ValidatedApiOptions(configuration), null, CancellationToken.None);
        var api = ApiHost.Build(configuration, "http://127.0.0.1:0");
        _hosts.Add(api);
        var url = await TierRunner.StartAsync(api, "api", 0, CancellationToken.None);
        return (url, api.Services.GetRequiredService<CellRegistry>());
    }

    private static async Task<(string Id, string Token)> CreateOrganizationAsync(CellRegistry cells, string region, string name)
    {
        var (organization, _, token) = await OrganizationFactory.CreateAsync(cells.Get(region), name, "Owner token", TimeProvider.System, CancellationToken.None);
        return (organization.Id, token);
    }

    [Fact]
    public async Task Each_deployment_serves_only_its_own_region()
    {
        Assert.Equal(["us"], _us.Cells.Regions);
        Assert.Equal(["eu"], _eu.Cells.Regions);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => CreateOrganizationAsync(_us.Cells, "eu", "Nope"));
    }

    [Fact]
    public async Task The_web_tier_routes_each_request_to_its_regions_api_deployment()
    {
        var eu = await CreateOrganizationAsync(_eu.Cells, "eu", "Euro GmbH");
        var us = await CreateOrganizationAsync(_us.Cells, "us", "Yankee Inc");
        foreach (var (id, token, name) in new[] { (eu.Id, eu.Token, "Euro GmbH"), (us.Id, us.Token, "Yankee Inc") })
        {
            using var client = new HttpClient { BaseAddress = _web };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var view = await client.GetFromJsonAsync<Dictionary<string, object>>("/api/v1/organizations/current");
            Assert.Equal(name, view!["name"].ToString());
            Assert.Equal(id, view["id"].ToString());
        }
    }

    [Fact]
    public async Task A_request_for_an_eu_object_sent_to_the_us_deployment_is_refused_never_proxied()
    {
        var eu = await CreateOrganizationAsync(_eu.Cells, "eu", "Euro GmbH");
        var us = await CreateOrganizationAsync(_us.Cells, "us", "Yankee Inc");

        using var direct = new HttpClient { BaseAddress = _us.Url };
        direct.DefaultRequestHeaders.Add(Sigill.Contracts.SigillHeaders.ServiceCredential, _installation.ServiceCredential);
        direct.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", eu.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await direct.GetAsync("/api/v1/organizations/current")).StatusCode);

        // A us caller naming an eu organization stays in the us deployment and learns nothing.
        using var client = new HttpClient { BaseAddress = _web };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", us.Token);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/organizations/{eu.Id}")).StatusCode);
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
