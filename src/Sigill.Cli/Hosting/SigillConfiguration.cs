using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Sigill.Cli.Hosting;

/// <summary>
/// Composes configuration, lowest precedence first: the embedded defaults derived from the data
/// directory, then an optional JSON file (<c>--config</c>), then <c>SIGILL_*</c> environment
/// variables (<c>SIGILL_Cells__eu__Database__ConnectionString</c>). Each tier is then handed only
/// its own part: the web tier never receives a connection string or key setting.
/// </summary>
internal static class SigillConfiguration
{
    public static readonly string[] DefaultRegions = ["us", "eu"];

    public static IConfigurationRoot Load(Installation? installation, string? configFile)
    {
        var defaults = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new InstallationException(CliWords.F("Config.Missing", full));
            }
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        builder.AddEnvironmentVariables("SIGILL_");
        IConfigurationRoot overrides;
        try
        {
            overrides = builder.Build();
        }
        catch (InvalidDataException e)
        {
            throw new InstallationException(CliWords.F("Config.NotJson", configFile, (e.InnerException ?? e).Message));
        }
        catch (FormatException e)
        {
            throw new InstallationException(CliWords.F("Config.Invalid", configFile, e.Message));
        }

        var regions = (overrides["Regions"] ?? string.Join(',', DefaultRegions))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        defaults["Environment"] = "development";
        if (installation is not null)
        {
            defaults["ServiceCredential"] = installation.ServiceCredential;
            defaults["SetupTokenFile"] = installation.SetupTokenFile;
            defaults["Audit:InstallationId"] = installation.Manifest.InstallationId; // names the audit logs: <host>/<id>/audit/<region>
            installation.EnsureCellSecrets(regions);
            defaults["Identity:DirectoryKey"] = installation.DirectoryKey;
            if (installation.WebCookieKey is { Length: > 0 } cookieKey) defaults["Web:CookieKey"] = cookieKey;
            foreach (var region in regions)
            {
                var cell = installation.CellDirectory(region);
                defaults[$"Cells:{region}:Keys:Provider"] = "FileKeyring";
                defaults[$"Cells:{region}:Keys:KeyringDirectory"] = Path.Combine(cell, "keys");
                defaults[$"Cells:{region}:Keys:MasterKeyFile"] = installation.MasterKeyFile(region);
                defaults[$"Cells:{region}:Database:Provider"] = "sqlite";
                defaults[$"Cells:{region}:Database:ConnectionString"] = $"Data Source={Path.Combine(cell, "sigill.db")};Pooling=True;Default Timeout=30";
                defaults[$"Cells:{region}:Blobs:Provider"] = "filesystem";
                defaults[$"Cells:{region}:Blobs:Path"] = Path.Combine(cell, "blobs");
                defaults[$"Cells:{region}:Logs:Directory"] = Path.Combine(cell, "logs"); // log records that carry this region's identifiers
                defaults[$"Mail:Outbox:{region}"] = Path.Combine(cell, "outbox"); // embedded default: .eml files, the one plaintext exception
            }
        }
        else
        {
            foreach (var region in regions)
            {
                defaults[$"Cells:{region}:Database:Provider"] = "postgres";
                defaults[$"Cells:{region}:Blobs:Provider"] = "s3";
            }
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(defaults).AddConfiguration(overrides).Build();
        // A region listed in a config file's Cells but not in Regions would be silently ignored: refuse it.
        foreach (var cell in configuration.GetSection("Cells").GetChildren())
        {
            if (!regions.Contains(cell.Key, StringComparer.Ordinal))
            {
                throw new InstallationException($"configuration: Cells:{cell.Key} is configured but '{cell.Key}' is not in Regions ({string.Join(',', regions)})");
            }
        }
        return configuration;
    }

    /// <summary>The API tier's view: everything except the web section.</summary>
    public static IConfiguration ForApi(IConfiguration configuration) =>
        new ConfigurationBuilder().AddInMemoryCollection(configuration.AsEnumerable()
            .Where(kv => kv.Value is not null && !kv.Key.StartsWith("Web:", StringComparison.OrdinalIgnoreCase) && !kv.Key.Equals("Web", StringComparison.OrdinalIgnoreCase)))
            .Build();

    /// <summary>The web tier's view: its own section plus the service credential, the directory key and the request body limits — nothing else.</summary>
    public static IConfiguration ForWeb(IConfiguration configuration, string? apiBaseUrl)
    {
        var web = configuration.GetSection("Web").AsEnumerable(makePathsRelative: true)
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        web["ServiceCredential"] = configuration["ServiceCredential"];
        web["Environment"] = configuration["Environment"];
        web["DirectoryKey"] = configuration["Identity:DirectoryKey"];
        // The request limits are one setting for both tiers (Sigill.Http.RequestLimits): the same keys, passed on as they are.
        foreach (var (key, value) in configuration.GetSection("Http").AsEnumerable().Append(new("Documents:MaxPdfBytes", configuration["Documents:MaxPdfBytes"])))
        {
            if (value is not null) web[key] = value;
        }
        if (apiBaseUrl is not null)
        {
            web["ApiBaseUrl"] = apiBaseUrl;
        }
        return new ConfigurationBuilder().AddInMemoryCollection(web).Build();
    }

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
