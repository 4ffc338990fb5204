using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Commands;

namespace Sigill.Tests.Infrastructure;

/// <summary>
/// A running embedded installation — both real hosts on loopback ports, on a fresh data directory —
/// with intent methods for tests. Optionally configured with a JSON file (cells on PostgreSQL and S3).
/// </summary>
internal sealed class SigillApp : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private EmbeddedServer _server;
    private readonly string? _configFile;

    private SigillApp(TempDirectory directory, EmbeddedServer server, string? configFile)
    {
        _directory = directory;
        _server = server;
        _configFile = configFile;
    }

    /// <summary>
    /// Configuration for scanners and fuzzers, which send thousands of requests with one token from one address: the
    /// API's request-rate limits off, so that every request reaches the code under test (RateLimitTests covers them).
    /// </summary>
    public const string NoRateLimits = """{ "RateLimits": { "PerAddressPerSecond": 0, "PerCredentialPerSecond": 0 } }""";

    public string DataDirectory => _server.Installation.DataDirectory;
    /// <summary>The JSON configuration file the app was started with (null without one); a restart reads it again.</summary>
    public string? ConfigFile => _configFile;
    public Uri WebUrl => _server.WebUrl;
    public Uri ApiUrl => _server.ApiUrl;
    public CellRegistry Cells => (CellRegistry)_server.ApiServices.GetService(typeof(CellRegistry))!;
    public IServiceProvider ApiServices => _server.ApiServices;

    /// <param name="apiOverrides">Registrations that replace the API tier's defaults (a throttle on a fake clock).</param>
    public static async Task<SigillApp> StartAsync(string? configJson = null, Action<Microsoft.Extensions.Logging.ILoggingBuilder>? logging = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? apiOverrides = null)
    {
        var directory = new TempDirectory();
        string? configFile = null;
        if (configJson is not null)
        {
            configFile = directory.Combine("sigill.json");
            await File.WriteAllTextAsync(configFile, configJson);
        }
        // SIGILL_TEST_LOG=1 shows both hosts' logs when a test needs diagnosing.
        if (Environment.GetEnvironmentVariable("SIGILL_TEST_LOG") == "1")
        {
            logging += CommonOptions.ConfigureLogging;
        }
        var server = await StartServerAsync(directory.Combine("data"), configFile, logging, apiOverrides);
        var app = new SigillApp(directory, server, configFile) { _apiOverrides = apiOverrides };
        app._remoteCells = [.. app.Cells.All.Where(c => c.DatabaseProvider != "sqlite" || c.Options.Blobs.Provider != "filesystem").Select(c => (c.Region, c.Options))];
        return app;
    }

    /// <summary>Starts an app whose cells are on <paramref name="backend"/>, with a test's own settings (<paramref name="configJson"/>) as well.</summary>
    /// <summary>
    /// Starts the embedded server on a free port. The port is picked, then bound: a parallel test can take it in between,
    /// so a port found in use is picked again (a few times).
    /// </summary>
    private static async Task<EmbeddedServer> StartServerAsync(string data, string? configFile, Action<Microsoft.Extensions.Logging.ILoggingBuilder>? logging,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? apiOverrides)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await EmbeddedServer.StartAsync(data, configFile, 0, logging, CancellationToken.None, apiOverrides);
            }
            catch (Sigill.Cli.Hosting.InstallationException e) when (attempt < 4 && e.Message.Contains("already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    public static async Task<SigillApp> StartAsync(Backend backend, string? configJson = null, Action<Microsoft.Extensions.Logging.ILoggingBuilder>? logging = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? apiOverrides = null)
    {
        var app = await StartAsync(await Backends.ConfigAsync(backend, configJson), logging, apiOverrides);
        // A setting that did not take would run the body on SQLite twice and pass: check every cell is where it should be.
        var (database, blobs) = backend == Backend.Sqlite ? ("sqlite", "filesystem") : ("postgres", "s3");
        foreach (var cell in app.Cells.All)
        {
            if (cell.DatabaseProvider != database || cell.Options.Blobs.Provider != blobs)
            {
                await app.DisposeAsync();
                throw new InvalidOperationException($"cell {cell.Region} runs on {cell.DatabaseProvider} and {cell.Options.Blobs.Provider}, not {backend}");
            }
        }
        return app;
    }

    /// <summary>
    /// Every place the app keeps <paramref name="marker"/> in clear (UTF-8 or UTF-16): files under its data directory and,
    /// for cells on PostgreSQL or S3, each table and object that holds it (read as <c>sigill residency report</c> reads a
    /// cell). Also after <see cref="StopServerAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<string>> PlacesContainingAsync(string marker)
    {
        var places = ByteScan.FilesContaining(DataDirectory, marker).ToList();
        foreach (var (region, options) in _remoteCells)
        {
            using var cell = new Cell(region, options);
            var found = await new CellScanner(cell).FindAsync([marker], CancellationToken.None);
            // Local folders (keyring, logs) are under the data directory, scanned above.
            places.AddRange(found.Values.SelectMany(p => p).Where(p => !p.StartsWith(DataDirectory, StringComparison.Ordinal)));
        }
        return places;
    }

    /// <summary>
    /// What a region's blob store holds, in order: every file under its folder (temporary ones too) on the file system,
    /// every key of its bucket on S3.
    /// </summary>
    public async Task<IReadOnlyList<string>> BlobsAsync(string region)
    {
        var cell = Cells.Get(region);
        if (cell.Options.Blobs.Provider == "filesystem")
        {
            var folder = Path.GetFullPath(cell.Options.Blobs.Path);
            return Directory.Exists(folder) ? [.. Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)] : [];
        }
        var keys = new List<string>();
        await foreach (var key in cell.Blobs.ListAsync("", CancellationToken.None))
        {
            keys.Add(key);
        }
        return [.. keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>The cells whose database or blobs are not files under the data directory, and their options.</summary>
    private IReadOnlyList<(string Region, CellOptions Options)> _remoteCells = [];

    /// <summary>A client of the public web tier, as a browser or API integrator would use it.</summary>
    public HttpClient Web(string? apiToken = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CheckCertificateRevocationList = true }) { BaseAddress = WebUrl };
        if (apiToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
        }
        return client;
    }

    /// <summary>A client straight to the API tier, optionally carrying the real service credential.</summary>
    public HttpClient Api(bool withServiceCredential)
    {
        var client = new HttpClient { BaseAddress = ApiUrl };
        if (withServiceCredential)
        {
            client.DefaultRequestHeaders.Add(Sigill.Contracts.SigillHeaders.ServiceCredential, _server.Installation.ServiceCredential);
        }
        return client;
    }

    public string IssueSetupToken() => _server.IssueSetupLink()!.Segments[^1];

    public sealed record SetUpOrganization(string OrganizationId, string Region, string ApiToken);

    /// <summary>The password test owners get (long, not in the breached list).</summary>
    public const string OwnerPassword = "correct horse battery staple";

    /// <summary>
    /// Creates an organization: the first through the setup link and the public API, later ones
    /// directly in the cell (organization sign-up arrives with the identity work).
    /// </summary>
    /// <summary>The data processing agreement version this installation asks owners to accept (<c>Trust:Dpa:Version</c>), or null.</summary>
    public string? DpaVersion => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Sigill.Api.Features.TrustCenter.TrustOptions>(ApiServices).Dpa.Version;

    public async Task<SetUpOrganization> SetUpOrganizationAsync(string name, string region)
    {
        if (!File.Exists(_server.Installation.SetupTokenFile))
        {
            var (organization, _, presented) = await Sigill.Api.Features.Organizations.OrganizationFactory.CreateAsync(
                Cells.Get(region), name, "Owner token", TimeProvider.System, CancellationToken.None);
            return new SetUpOrganization(organization.Id, region, presented);
        }
        using var web = Web();
        using var response = await web.PostAsJsonAsync("/api/v1/setup", new { setupToken = IssueSetupToken(), organizationName = name, region, name = "Test Owner", email = $"owner-{Guid.NewGuid():N}@example.com", password = OwnerPassword, acceptDpaVersion = DpaVersion });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<SetUpOrganization>())!;
    }

    private bool _stopped;
    private Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? _apiOverrides;

    /// <summary>Stops both hosts but keeps the data directory, so operator commands can run against it.</summary>
    public async Task StopServerAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _server.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            // Idle PostgreSQL connections would stay open for minutes after the app is gone; a suite that starts many apps
            // would run the shared server out of connections. Close this app's own (other apps' pools are left alone).
            foreach (var (_, options) in _remoteCells.Where(c => c.Options.Database.Provider == "postgres"))
            {
                using var connection = new Npgsql.NpgsqlConnection(options.Database.ConnectionString);
                Npgsql.NpgsqlConnection.ClearPool(connection);
            }
        }
    }

    /// <summary>Stops both hosts and starts them again on the same data directory (new loopback ports), as after a reboot.</summary>
    public async Task RestartAsync()
    {
        var data = DataDirectory;
        await StopServerAsync();
        _server = await StartServerAsync(data, _configFile, null, _apiOverrides);
        _stopped = false;
    }

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
