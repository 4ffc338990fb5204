using System.Security.Cryptography;
using System.Text.Json;

namespace Sigill.Cli.Hosting;

/// <summary>
/// An embedded installation's data directory:
/// <code>
/// DATA/installation.json        id, environment, creation time (written last: the commit marker)
/// DATA/sigill.lock              locked by the process serving the directory, which writes its PID in it (<see cref="DataDirectoryLock"/>)
/// DATA/secrets/                 0700; each file 0600
///   service-credential          the web tier's credential for the API tier
///   directory-key               keys the e-mail hashes that route sign-ins to their region (web and API tiers)
///   web-cookie-key              seals the web tier's cookies (sessions, antiforgery) so they survive restarts
///   master-&lt;region&gt;.key          master secret of that cell's file keyring (never in backups)
///   setup-token.sha256          hash of the pending one-time setup token; gone once setup is done
/// DATA/&lt;region&gt;/                one folder per region cell: database, blobs, keys, outbox, logs (records naming its identifiers)
/// </code>
/// Nothing outside the region folders holds personal data.
/// </summary>
internal sealed class Installation
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDir = Private | UnixFileMode.UserExecute;

    private readonly string? _prospectiveCredential;

    private Installation(string dataDirectory, InstallationManifest manifest, string? prospectiveCredential = null)
    {
        DataDirectory = dataDirectory;
        Manifest = manifest;
        _prospectiveCredential = prospectiveCredential;
    }

    /// <summary>
    /// The installation a directory would hold, without writing anything: lets a command validate
    /// its whole configuration (and reach PostgreSQL and S3) before the first byte is written.
    /// </summary>
    public static Installation Prospective(string dataDirectory) =>
        TryOpen(Path.GetFullPath(dataDirectory))
        ?? new Installation(Path.GetFullPath(dataDirectory), new InstallationManifest("prospective", 1, DateTime.UnixEpoch), new string('p', 44));

    public string DataDirectory { get; }
    public InstallationManifest Manifest { get; }
    public string SecretsDirectory => Path.Combine(DataDirectory, "secrets");
    public string SetupTokenFile => Path.Combine(SecretsDirectory, "setup-token.sha256");
    public string ServiceCredential => _prospectiveCredential ?? File.ReadAllText(Path.Combine(SecretsDirectory, "service-credential")).Trim();
    public string DirectoryKey => _prospectiveCredential is not null ? Convert.ToBase64String(new byte[32]) : File.ReadAllText(DirectoryKeyFile).Trim();
    private string DirectoryKeyFile => Path.Combine(SecretsDirectory, "directory-key");
    public string WebCookieKey => _prospectiveCredential is not null ? "" : File.ReadAllText(WebCookieKeyFile).Trim();
    private string WebCookieKeyFile => Path.Combine(SecretsDirectory, "web-cookie-key");
    public string CellDirectory(string region) => Path.Combine(DataDirectory, region);
    public string MasterKeyFile(string region) => Path.Combine(SecretsDirectory, $"master-{region}.key");

    /// <summary>Creates the per-cell secrets of regions that have none yet (a region added to the configuration later).</summary>
    public void EnsureCellSecrets(IEnumerable<string> regions)
    {
        if (_prospectiveCredential is null && !File.Exists(DirectoryKeyFile))
        {
            WriteSecret(DirectoryKeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))); // installations from before accounts existed
        }
        if (_prospectiveCredential is null && !File.Exists(WebCookieKeyFile))
        {
            WriteSecret(WebCookieKeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))); // installations from before it existed
        }
        foreach (var region in regions)
        {
            // Only for a cell that has no keyring yet: a lost master key must surface as an error, never be replaced.
            if (_prospectiveCredential is null && !File.Exists(MasterKeyFile(region)) && !Directory.Exists(Path.Combine(CellDirectory(region), "keys")))
            {
                WriteSecret(MasterKeyFile(region), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            }
        }
    }

    public sealed record InstallationManifest(string InstallationId, int FormatVersion, DateTime CreatedAt);

    /// <summary>Fails with <see cref="InstallationException"/> unless the directory exists or can be made, and takes writes.</summary>
    public static string ProbeWritable(string dataDirectory)
    {
        var full = Path.GetFullPath(dataDirectory);
        if (File.Exists(full))
        {
            throw new InstallationException(CliWords.F("Data.IsAFile", full));
        }
        var created = !Directory.Exists(full);
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InstallationException(CliWords.F("Data.CannotCreate", full, e.Message));
        }
        var probe = Path.Combine(full, ".write-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (created)
            {
                TryDelete(full);
            }
            throw new InstallationException(CliWords.F("Data.NotWritable", full, e.Message));
        }
        if (created)
        {
            Directory.Delete(full); // probing must not leave anything behind
        }
        return full;
    }

    public static Installation OpenOrCreate(string dataDirectory)
    {
        var full = ProbeWritable(dataDirectory);
        return TryOpen(full) ?? Create(full);
    }

    /// <summary>Opens an existing installation (for verbs that must not create one).</summary>
    public static Installation Open(string dataDirectory)
    {
        var full = Path.GetFullPath(dataDirectory);
        return TryOpen(full) ?? throw new InstallationException(CliWords.F("Data.NotSigill", full, dataDirectory));
    }

    /// <summary>
    /// For verbs given <c>--config</c>: the embedded installation at the directory if there is one (the file then
    /// overrides its defaults), or null for a production configuration that stands alone.
    /// </summary>
    public static Installation? OpenIfPresent(string dataDirectory) => TryOpen(Path.GetFullPath(dataDirectory));

    private static Installation? TryOpen(string full)
    {
        var manifestFile = Path.Combine(full, "installation.json");
        if (!File.Exists(manifestFile))
        {
            return null;
        }
        InstallationManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<InstallationManifest>(File.ReadAllText(manifestFile));
        }
        catch (JsonException e)
        {
            throw new InstallationException($"'{manifestFile}' is not valid JSON: {e.Message}");
        }
        if (manifest is null || manifest.FormatVersion != 1 || string.IsNullOrEmpty(manifest.InstallationId))
        {
            throw new InstallationException($"'{manifestFile}' is not a Sigill installation manifest of format 1");
        }
        var installation = new Installation(full, manifest);
        if (!File.Exists(Path.Combine(installation.SecretsDirectory, "service-credential")))
        {
            throw new InstallationException($"'{installation.SecretsDirectory}' is missing service-credential");
        }
        return installation;
    }

    // Secrets first, manifest last: a crash part-way leaves no manifest, and the next start redoes it all.
    private static Installation Create(string full)
    {
        Directory.CreateDirectory(full);
        var secrets = Path.Combine(full, "secrets");
        Directory.CreateDirectory(secrets, PrivateDir);
        File.SetUnixFileMode(secrets, PrivateDir);
        WriteSecret(Path.Combine(secrets, "service-credential"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        WriteSecret(Path.Combine(secrets, "directory-key"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        WriteSecret(Path.Combine(secrets, "web-cookie-key"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var manifest = new InstallationManifest(Api.Platform.Cells.SigillId.New("inst", "global")[12..], 1, DateTime.UtcNow);
        var installation = new Installation(full, manifest);
        Api.Features.Setup.SetupToken.Issue(installation.SetupTokenFile);
        WriteSecret(Path.Combine(full, "installation.json"), JsonSerializer.Serialize(manifest), mode: Private | UnixFileMode.GroupRead);
        return installation;
    }

    private static void WriteSecret(string path, string content, UnixFileMode mode = Private)
    {
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(content);
            writer.Flush();
            file.Flush(flushToDisk: true);
        }
        File.SetUnixFileMode(temp, mode);
        File.Move(temp, path, overwrite: true);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A problem with the data directory or configuration that stops a command with one clear line.</summary>
internal sealed class InstallationException(string message) : Exception(message);
