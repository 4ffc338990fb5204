using Microsoft.Extensions.Configuration;
using Sigill.Api;
using Sigill.Cli.Hosting;
using Sigill.Http;
using Sigill.Tests.Infrastructure;
using Sigill.Web;

namespace Sigill.Tests.Foundation;

/// <summary>
/// Every options section is checked when a tier starts (<see cref="SigillOptions"/>): one bad setting stops it before it
/// listens, with one line that names the setting, whichever section it is in.
/// </summary>
public sealed class OptionsValidationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public static TheoryData<string, string, string> BadSettings() => new()
    {
        { "Identity:PasswordPasses", "0", "Identity:PasswordPasses must be 1-100" },
        { "Identity:SessionIdleTimeout", "00:00:00", "Identity:SessionIdleTimeout must be positive" },
        { "Identity:Throttling:SignUpsPerSource:Cap", "00:00:00", "Identity:Throttling:SignUpsPerSource needs Burst of at least 0, a positive First, Cap at least First and a positive Forget" },
        { "Webhooks:Timeout", "00:00:00", "Webhooks:Timeout must be 00:00:01-00:02:00" },
        { "Webhooks:AllowedNetworks:0", "10.0.0.0/99", "Webhooks:AllowedNetworks has '10.0.0.0/99', not a CIDR network" },
        { "Documents:DefaultExpiryDays", "0", "Documents:DefaultExpiryDays must be 1-3650" },
        { "Templates:MaxNesting", "1", "Templates:MaxNesting must be 8-256" },
        { "Jobs:MaxAttempts", "0", "Jobs:MaxAttempts must be 1-100" },
        { "Mail:Port", "0", "Mail:Port must be 1-65535" },
        { "Alerts:RepeatEvery", "-00:01:00", "Alerts:RepeatEvery must be positive" },
        { "Alerts:Language", "pt", "Alerts:Language must be one of en, sv, de, fr, es" },
        { "Backups:RetentionDays", "0", "Backups:RetentionDays must be 1-3650" },
        { "Audit:BatchSize", "0", "Audit:BatchSize must be 1-1000000" },
        { "Http:MaxBodyBytes", "1", "Http:MaxBodyBytes must be between 64 KiB and 64 MiB" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_in_any_section_stops_the_api_tier_with_one_line_naming_it(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(SigillConfiguration.ForApi(SigillConfiguration.Load(Installation.OpenOrCreate(_directory.Combine("data")), null)))
            .AddInMemoryCollection([KeyValuePair.Create(key, (string?)value)])
            .Build();
        var refused = Assert.Throws<SigillConfigurationException>(() => ApiHost.Build(configuration, "http://127.0.0.1:0"));
        Assert.Equal("invalid API tier configuration: " + expected, refused.Message);
    }

    [Fact]
    public void A_bad_setting_stops_the_web_tier_with_one_line_naming_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ApiBaseUrl"] = "http://127.0.0.1:1",
            ["ServiceCredential"] = new string('x', 43),
            ["Http:MaxBodyBytes"] = "1",
        }).Build();
        var refused = Assert.Throws<SigillConfigurationException>(() => WebTierHost.Build(configuration, "http://127.0.0.1:0"));
        Assert.Equal("invalid web tier configuration: Http:MaxBodyBytes must be between 64 KiB and 64 MiB", refused.Message);
    }

    [Fact]
    public async Task A_bad_setting_outside_the_tier_options_stops_serve_with_one_plain_line()
    {
        var config = _directory.Combine("sigill.json");
        await File.WriteAllTextAsync(config, """{ "Identity": { "PasswordPasses": 0 } }""");
        var serve = await SigillProcess.RunAsync(TimeSpan.FromSeconds(60), "serve", "--data", _directory.Combine("data"), "--config", config, "--port", "0");
        Assert.Equal(2, serve.ExitCode);
        Assert.Equal("error: invalid API tier configuration: Identity:PasswordPasses must be 1-100", serve.Stderr.Trim());
    }

    public void Dispose() => _directory.Dispose();
}
