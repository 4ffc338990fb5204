using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Sigill.Api.Features.Webhooks;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Webhooks;

/// <summary>IPv6 addresses that carry an IPv4 address are judged like the IPv4 address they deliver to.</summary>
public sealed class SsrfGuardTests
{
    private static SsrfGuard Guard(params string[] allowed) => new(ConfiguredOptions.Api<WebhookOptions>(new ConfigurationBuilder()
        .AddInMemoryCollection(allowed.Select((n, i) => new KeyValuePair<string, string?>($"Webhooks:AllowedNetworks:{i}", n))).Build(), "Webhooks"));

    /// <summary>Each form twice: carrying an internal address (refused) and a public one (allowed).</summary>
    public static TheoryData<string, string, bool> EmbeddingForms() => new()
    {
        { "IPv4-mapped", "::ffff:127.0.0.1", false },
        { "IPv4-mapped", "::ffff:93.184.215.14", true },
        { "IPv4-compatible", "::7f00:1", false },
        { "IPv4-compatible", "::a9fe:a9fe", false },
        { "IPv4-compatible", "::5db8:d70e", true },
        { "IPv4-translated (SIIT)", "::ffff:0:a00:1", false },
        { "IPv4-translated (SIIT)", "::ffff:0:5db8:d70e", true },
        { "NAT64 well-known prefix", "64:ff9b::7f00:1", false },
        { "NAT64 well-known prefix", "64:ff9b::a9fe:a9fe", false },
        { "NAT64 well-known prefix", "64:ff9b::808:808", true },
        { "NAT64 local-use (where the address sits depends on the operator)", "64:ff9b:1::808:808", false },
        { "6to4", "2002:7f00:1::1", false },
        { "6to4", "2002:a9fe:a9fe::", false },
        { "6to4", "2002:5db8:d70e::1", true },
        { "Teredo client", "2001:0:5db8:d70e:0:0:f5ff:fffe", false }, // client 10.0.0.1, stored inverted
        { "Teredo server", "2001:0:a00:1::a247:28f1", false },
        { "Teredo", "2001:0:5db8:d70e::a247:28f1", true }, // server 93.184.215.14, client 93.184.215.14
        { "ISATAP", "2606:4700::5efe:a00:1", false },
        { "ISATAP", "2606:4700::200:5efe:5db8:d70e", true },
        { "site-local (deprecated)", "fec0::1", false },
        { "plain public IPv6", "2606:4700::1111", true },
    };

    [Theory]
    [MemberData(nameof(EmbeddingForms))]
    public void An_ipv6_address_is_judged_like_the_ipv4_address_it_carries(string form, string address, bool allowed) =>
        Assert.True(allowed == Guard().IsAllowed(IPAddress.Parse(address)), $"{form} {address} should be {(allowed ? "allowed" : "refused")}");

    [Fact]
    public void An_allowed_network_opens_its_embedded_forms_too_and_nothing_else()
    {
        var guard = Guard("10.20.0.0/16");
        Assert.True(guard.IsAllowed(IPAddress.Parse("10.20.1.2")));
        Assert.True(guard.IsAllowed(IPAddress.Parse("::ffff:10.20.1.2")));
        Assert.True(guard.IsAllowed(IPAddress.Parse("64:ff9b::a14:102")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("::ffff:10.21.1.2")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("::7f00:1")));
    }

    [Fact]
    public async Task Webhook_targets_in_every_embedding_form_of_an_internal_address_are_refused_when_saved()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Forms", "us");
        using var admin = app.Web(org.ApiToken);
        foreach (var host in new[] { "[::7f00:1]", "[::ffff:127.0.0.1]", "[::ffff:0:a9fe:a9fe]", "[64:ff9b::a9fe:a9fe]", "[2002:a00:1::1]",
            "[2001:0:5db8:d70e:0:0:f5ff:fffe]", "[fec0::1]" })
        {
            using var response = await admin.PostAsJsonAsync("/api/v1/webhooks", new { url = $"http://{host}/hook", events = new[] { "*" } });
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{host}: {(int)response.StatusCode}");
            Assert.Equal("webhook_target_refused", await ProblemCodeAsync(response));
        }
        Assert.Equal(0, (await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/webhooks")).GetArrayLength());
        // A public address in an embedding form is a target like any other.
        await PostOkAsync(admin, "/api/v1/webhooks", new { url = "http://[64:ff9b::5db8:d70e]/hook", events = new[] { "*" } });
    }
}
