using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sigill.Api.Features.Webhooks;
using Sigill.Api.Features.SingleSignOn;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Identity.Sso;

/// <summary>A sign-in reads the provider's discovery document and key set from a cache; saving a connection and a rejected token read them afresh.</summary>
public sealed class OidcClientCacheTests
{
    private sealed class Counts
    {
        public int Discovery;
        public int Keys;
        public int Status = StatusCodes.Status200OK;
    }

    [Fact]
    public async Task Discovery_and_keys_are_fetched_once_per_lifetime_again_when_asked_for_fresh_ones_and_failures_are_not_kept()
    {
        var counts = new Counts();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var provider = builder.Build();
        string issuer = "";
        provider.MapGet("/.well-known/openid-configuration", () =>
        {
            Interlocked.Increment(ref counts.Discovery);
            return counts.Status == StatusCodes.Status200OK
                ? Results.Json(new { issuer, authorization_endpoint = issuer + "/auth", token_endpoint = issuer + "/token", jwks_uri = issuer + "/jwks" })
                : Results.StatusCode(counts.Status);
        });
        provider.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref counts.Keys);
            return Results.Json(new { keys = Array.Empty<object>() });
        });
        await provider.StartAsync();
        issuer = provider.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var guard = new SsrfGuard(ConfiguredOptions.Api<WebhookOptions>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Webhooks:AllowedNetworks:0"] = "127.0.0.1/32" }).Build(), "Webhooks"));
        var client = new OidcClient(guard, time);
        var ct = CancellationToken.None;

        var discovery = await client.DiscoverAsync(issuer, ct);
        Assert.Same(discovery, await client.DiscoverAsync(issuer, ct));
        await client.KeysAsync(discovery, ct);
        await client.KeysAsync(discovery, ct);
        Assert.Equal((1, 1), (counts.Discovery, counts.Keys));

        await client.DiscoverAsync(issuer, ct, fresh: true); // an admin saving the connection
        await client.KeysAsync(discovery, ct, fresh: true); // a token the cached keys refused
        Assert.Equal((2, 2), (counts.Discovery, counts.Keys));

        time.Advance(OidcClient.CacheLifetime - TimeSpan.FromSeconds(1));
        await client.DiscoverAsync(issuer, ct);
        await client.KeysAsync(discovery, ct);
        Assert.Equal((2, 2), (counts.Discovery, counts.Keys));
        time.Advance(TimeSpan.FromSeconds(2));
        await client.DiscoverAsync(issuer, ct);
        await client.KeysAsync(discovery, ct);
        Assert.Equal((3, 3), (counts.Discovery, counts.Keys));

        // A provider that fails is asked again next time: the failure is not remembered.
        counts.Status = StatusCodes.Status503ServiceUnavailable;
        var failed = await Assert.ThrowsAsync<IdentityProviderException>(() => client.DiscoverAsync(issuer, ct, fresh: true));
        Assert.Equal("sso_provider_error", failed.Code);
        counts.Status = StatusCodes.Status200OK;
        await client.DiscoverAsync(issuer, ct, fresh: true);
        Assert.Equal(5, counts.Discovery);
    }
}
