using Microsoft.Extensions.Options;
using Sigill.Http;

namespace Sigill.Api.Platform.Cells;

/// <summary>Everything the API tier is configured with. Validated before the host starts.</summary>
public sealed class ApiTierOptions : IValidatedOptions
{
    /// <summary>The web tier's credential; every request must carry it.</summary>
    public string ServiceCredential { get; set; } = "";

    /// <summary>production, staging or development.</summary>
    public string Environment { get; set; } = "development";

    /// <summary>File holding the SHA-256 of the one-time setup token; absent once setup is done.</summary>
    public string SetupTokenFile { get; set; } = "";

    public IdentityKeyOptions? Identity { get; set; }

    public sealed class IdentityKeyOptions
    {
        public string DirectoryKey { get; set; } = "";
    }

    private static bool IsKey(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[base64.Length];
        return Convert.TryFromBase64String(base64, buffer, out var length) && length >= 32;
    }

    public Dictionary<string, CellOptions> Cells { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>Diagnostics:Enabled</c>: the developer exception page (stack traces and exception text in 500 responses). Refused in production.</summary>
    public DiagnosticsOptions Diagnostics { get; set; } = new();

    public static readonly string[] Environments = ["production", "staging", "development"];

    /// <summary>The tier's whole configuration is this class's section (its keys sit at the top level).</summary>
    public static OptionsBuilder<ApiTierOptions> Register(IServiceCollection services) => services.AddSigillOptions<ApiTierOptions>("");

    /// <summary>Returns the problems, each one line naming the setting; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ServiceCredential.Length < 32)
        {
            problems.Add("ServiceCredential must be at least 32 characters (a random per-installation secret)");
        }
        if (!IsKey(Identity?.DirectoryKey))
        {
            problems.Add("Identity:DirectoryKey must be the base64 of a random key of at least 32 bytes (the installation's directory key, shared with the web tier)");
        }
        if (!Environments.Contains(Environment))
        {
            problems.Add($"Environment must be one of {string.Join(", ", Environments)}, not '{Environment}'");
        }
        if (Environment == "production" && Diagnostics.Enabled)
        {
            problems.Add("Diagnostics:Enabled must be false in production: diagnostic output shows internals and can carry personal data");
        }
        if (Cells.Count == 0)
        {
            problems.Add("Cells must configure at least one region");
        }
        foreach (var (region, cell) in Cells)
        {
            if (!RegionName.IsWellFormed(region))
            {
                problems.Add($"Cells:{region}: region names are 2-16 lower-case letters, digits or '-'");
            }
            var db = cell.Database;
            if (db.Provider is not ("sqlite" or "postgres"))
            {
                problems.Add($"Cells:{region}:Database:Provider must be sqlite or postgres, not '{db.Provider}'");
            }
            if (string.IsNullOrWhiteSpace(db.ConnectionString))
            {
                problems.Add($"Cells:{region}:Database:ConnectionString is missing");
            }
            var blobs = cell.Blobs;
            switch (blobs.Provider)
            {
                case "filesystem":
                    if (string.IsNullOrWhiteSpace(blobs.Path))
                    {
                        problems.Add($"Cells:{region}:Blobs:Path is missing");
                    }
                    break;
                case "s3":
                    if (!Uri.TryCreate(blobs.ServiceUrl, UriKind.Absolute, out _))
                    {
                        problems.Add($"Cells:{region}:Blobs:ServiceUrl must be an absolute URL");
                    }
                    if (string.IsNullOrWhiteSpace(blobs.Bucket))
                    {
                        problems.Add($"Cells:{region}:Blobs:Bucket is missing");
                    }
                    if (blobs.Timeout <= TimeSpan.Zero)
                    {
                        problems.Add($"Cells:{region}:Blobs:Timeout must be positive");
                    }
                    break;
                default:
                    problems.Add($"Cells:{region}:Blobs:Provider must be filesystem or s3, not '{blobs.Provider}'");
                    break;
            }
        }
        foreach (var (region, cell) in Cells)
        {
            cell.Keys.Environment = Environment;
            try
            {
                Sigill.Crypto.KeyProviderFactory.Validate(cell.Keys);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                problems.Add($"Cells:{region}:Keys: {e.Message}");
            }
            if (cell.Keys.Provider == Sigill.Crypto.KeyProviderKind.FileKeyring && string.IsNullOrWhiteSpace(cell.Keys.KeyringDirectory))
            {
                problems.Add($"Cells:{region}:Keys:KeyringDirectory is missing (or configure Provider Pkcs11)");
            }
            if (cell.Keys.Provider == Sigill.Crypto.KeyProviderKind.Pkcs11 && string.IsNullOrWhiteSpace(cell.Keys.Pkcs11TokenLabel))
            {
                problems.Add($"Cells:{region}:Keys:Pkcs11TokenLabel is missing");
            }
        }
        foreach (var dup in Cells.Where(c => c.Value.Keys.Provider == Sigill.Crypto.KeyProviderKind.FileKeyring && !string.IsNullOrEmpty(c.Value.Keys.KeyringDirectory))
            .GroupBy(c => Path.GetFullPath(c.Value.Keys.KeyringDirectory!)).Where(g => g.Count() > 1))
        {
            problems.Add($"Cells {string.Join(" and ", dup.Select(c => c.Key))} share a keyring; cells share nothing");
        }
        foreach (var dup in Cells.Where(c => !string.IsNullOrWhiteSpace(c.Value.Logs.Directory))
            .GroupBy(c => Path.GetFullPath(c.Value.Logs.Directory)).Where(g => g.Count() > 1))
        {
            problems.Add($"Cells {string.Join(" and ", dup.Select(c => c.Key))} share a log directory; cells share nothing");
        }
        // Share-nothing: two cells must never point at the same database or blob location.
        foreach (var dup in Cells.GroupBy(c => c.Value.Database.ConnectionString).Where(g => g.Count() > 1 && g.Key.Length > 0))
        {
            problems.Add($"Cells {string.Join(" and ", dup.Select(c => c.Key))} share a database; cells share nothing");
        }
        foreach (var dup in Cells.GroupBy(c => c.Value.Blobs.Provider + "|" + c.Value.Blobs.Path + "|" + c.Value.Blobs.ServiceUrl + "|" + c.Value.Blobs.Bucket).Where(g => g.Count() > 1))
        {
            problems.Add($"Cells {string.Join(" and ", dup.Select(c => c.Key))} share a blob store; cells share nothing");
        }
        return problems;
    }
}

public sealed class DiagnosticsOptions
{
    public bool Enabled { get; set; }
}
