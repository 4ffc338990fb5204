using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Hosting;
using Sigill.Web;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

/// <summary>
/// The example files of deploy/regions/ are read the way `sigill api|web --config` reads them: every setting they
/// show binds to the option the docs name (a misspelt key would bind nothing and fail here), each API file holds only
/// its own region, and with the secrets supplied (as environment variables would) both validate for production.
/// </summary>
public sealed class RegionDeploymentConfigTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "deploy", "regions");

    private static readonly Dictionary<string, string?> Secrets = new()
    {
        ["ServiceCredential"] = Convert.ToBase64String(new byte[32]),
        ["Identity:DirectoryKey"] = Convert.ToBase64String(new byte[32]),
        ["Web:CookieKey"] = Convert.ToBase64String(new byte[32]),
        ["Audit:InstallationId"] = "0k5q3r8w1xhh7n", // the files leave it as a placeholder the operator fills in
    };

    [Theory]
    [InlineData("eu", "us", "sigill-eu", "eu-central-1")]
    [InlineData("us", "eu", "sigill-us", "us-east-1")]
    public void Each_region_file_configures_only_its_own_cell_and_validates(string region, string other, string bucket, string signingRegion)
    {
        var file = Path.Combine(Folder, $"api-{region}.json");
        var text = File.ReadAllText(file);
        Assert.DoesNotMatch(new Regex($"(?<![a-z]){other}(?![a-z])"), text); // not one setting of the other region
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(SigillConfiguration.ForApi(SigillConfiguration.Load(null, file)))
            .AddInMemoryCollection(Secrets)
            .Build();
        var options = ConfiguredOptions.Api<ApiTierOptions>(configuration, "");
        Assert.Equal([region], options.Cells.Keys.ToArray());
        var cell = options.Cells[region];
        Assert.Equal("postgres", cell.Database.Provider);
        Assert.Contains($"sigill_{region}", cell.Database.ConnectionString, StringComparison.Ordinal);
        Assert.Equal(("s3", bucket, signingRegion), (cell.Blobs.Provider, cell.Blobs.Bucket, cell.Blobs.SigningRegion));
        Assert.Equal(Sigill.Crypto.KeyProviderKind.Pkcs11, cell.Keys.Provider);
        Assert.Equal($"sigill-{region}", cell.Keys.Pkcs11TokenLabel);
        Assert.Equal("SIGILL_PKCS11_PIN", cell.Keys.Pkcs11PinEnvironmentVariable);
        Assert.Equal($"/var/log/sigill/{region}", cell.Logs.Directory);
        Assert.Equal("production", options.Environment);
        Assert.Empty(options.Validate());
        Assert.Equal($"sign.example.com/", ConfiguredOptions.Api<AuditOptions>(configuration, "Audit").OriginFor(region)[..17]);
        Assert.Equal($"/srv/backups/sigill-{region}", configuration["Backups:Directory"]);
        Assert.Equal("smtp", configuration["Mail:Provider"]);
    }

    [Fact]
    public void The_web_file_routes_each_region_to_its_own_deployment_and_validates()
    {
        var file = Path.Combine(Folder, "web.json");
        var loaded = SigillConfiguration.Load(null, file);
        var web = Sigill.Http.SigillOptions.Read<WebTierOptions>(new ConfigurationBuilder()
            .AddConfiguration(SigillConfiguration.ForWeb(new ConfigurationBuilder().AddConfiguration(loaded).AddInMemoryCollection(Secrets).Build(), null))
            .Build(), WebTierHost.Tier, s => WebTierOptions.Register(s));
        Assert.Equal(["eu", "us"], web.RegionApis.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.All(web.RegionApis["eu"], url => Assert.StartsWith("http://10.0.2.", url, StringComparison.Ordinal));
        Assert.All(web.RegionApis["us"], url => Assert.StartsWith("http://10.0.3.", url, StringComparison.Ordinal));
        Assert.True(web.Tls);
        Assert.Equal(TimeSpan.FromSeconds(10), web.HealthCheckInterval);
        Assert.Empty(web.Validate());
    }
}
