using Microsoft.Extensions.Configuration;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Hosting;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

public sealed class ConfigurationTests
{
    [Fact]
    public void The_web_tier_is_given_no_connection_string_or_blob_setting()
    {
        using var directory = new TempDirectory();
        var installation = Installation.OpenOrCreate(directory.Combine("data"));
        var configuration = SigillConfiguration.Load(installation, null);
        var web = SigillConfiguration.ForWeb(configuration, "http://127.0.0.1:1").AsEnumerable().ToList();
        // The directory key only hashes e-mail addresses to find their region (ADR 0007); it decrypts nothing. The cookie
        // key seals the web tier's own cookies, and only the web tier has it.
        Assert.Equal(["ApiBaseUrl", "CookieKey", "DirectoryKey", "Environment", "ServiceCredential"], web.Where(kv => kv.Value is not null).Select(kv => kv.Key).Order().ToArray());
        var api = SigillConfiguration.ForApi(configuration).AsEnumerable().ToList();
        Assert.Contains(api, kv => kv.Key == "Cells:eu:Database:ConnectionString");
        Assert.DoesNotContain(api, kv => kv.Key.Contains("CookieKey", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_regions_come_from_configuration()
    {
        using var directory = new TempDirectory();
        var installation = Installation.OpenOrCreate(directory.Combine("data"));
        Environment.SetEnvironmentVariable("SIGILL_Regions", null);
        var config = directory.Combine("c.json");
        File.WriteAllText(config, """{ "Regions": "us,eu,ca" }""");
        var options = ConfiguredOptions.Api<ApiTierOptions>(SigillConfiguration.ForApi(SigillConfiguration.Load(installation, config)), "");
        Assert.Equal(["ca", "eu", "us"], options.Cells.Keys.Order().ToArray());
        Assert.EndsWith("/ca/blobs", options.Cells["ca"].Blobs.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_cells_sharing_a_database_or_a_folder_are_refused()
    {
        var shared = new ApiTierOptions
        {
            ServiceCredential = new string('x', 43),
            Cells =
            {
                ["us"] = new CellOptions { Database = { ConnectionString = "Data Source=/x/one.db" }, Blobs = { Path = "/x/blobs" } },
                ["eu"] = new CellOptions { Database = { ConnectionString = "Data Source=/x/one.db" }, Blobs = { Path = "/x/blobs" } },
            },
        };
        var problems = shared.Validate();
        Assert.Contains(problems, p => p.Contains("share a database", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("share a blob store", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fresh_installation_keeps_its_secrets_private()
    {
        using var directory = new TempDirectory();
        var installation = Installation.OpenOrCreate(directory.Combine("data"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(installation.SecretsDirectory));
        foreach (var file in Directory.EnumerateFiles(installation.SecretsDirectory))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.True(installation.ServiceCredential.Length >= 43);
        var reopened = Installation.OpenOrCreate(installation.DataDirectory);
        Assert.Equal(installation.ServiceCredential, reopened.ServiceCredential);
        Assert.Equal(installation.Manifest.InstallationId, reopened.Manifest.InstallationId);
    }

    [Theory]
    [InlineData("org_eu_0123456789abcdefghjkmnpqrs", true)]
    [InlineData("org_EU_0123456789abcdefghjkmnpqrs", false)]
    [InlineData("org_eu_0123456789abcdefghjkmnpqr", false)]
    [InlineData("org_eu_0123456789abcdefghjkmnpqru", false)]
    [InlineData("doc_eu_0123456789abcdefghjkmnpqrs", false)]
    [InlineData("org_eu_../../etc/passwdxxxxxxxxx", false)]
    public void Identifiers_carry_their_region_and_nothing_else_parses(string id, bool valid)
    {
        Assert.Equal(valid, SigillId.TryParse(id, "org", out var region));
        if (valid)
        {
            Assert.Equal("eu", region);
        }
        var fresh = SigillId.New("org", "us");
        Assert.True(SigillId.TryParse(fresh, "org", out var freshRegion));
        Assert.Equal("us", freshRegion);
    }
}
