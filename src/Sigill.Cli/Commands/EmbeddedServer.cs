using Microsoft.AspNetCore.Builder;
using Sigill.Api;
using Sigill.Api.Features.Setup;
using Sigill.Cli.Hosting;
using Sigill.Web;

namespace Sigill.Cli.Commands;

/// <summary>
/// The embedded default: both tiers in one process as two hosts with separate service containers,
/// the web tier on the public port, the API tier on a loopback port of its own, talking over HTTP
/// with the service credential — the same boundary production has. Used by <c>sigill serve</c> and tests.
/// </summary>
internal sealed class EmbeddedServer : IAsyncDisposable
{
    private readonly WebApplication _api;
    private readonly WebApplication _web;
    private readonly DataDirectoryLock _lock;

    private EmbeddedServer(Hosting.Installation installation, DataDirectoryLock dataLock, WebApplication api, WebApplication web, Uri apiUrl, Uri webUrl, IReadOnlyList<string> regions)
    {
        Installation = installation;
        _lock = dataLock;
        _api = api;
        _web = web;
        ApiUrl = apiUrl;
        WebUrl = webUrl;
        Regions = regions;
    }

    public Hosting.Installation Installation { get; }
    public Uri ApiUrl { get; }
    public Uri WebUrl { get; }
    public IReadOnlyList<string> Regions { get; }
    public IServiceProvider ApiServices => _api.Services;
    public IServiceProvider WebServices => _web.Services;

    /// <summary>
    /// Probes, validates and checks everything before the first write; then locks the data directory (one serving
    /// process per directory, <see cref="DataDirectoryLock"/>), creates or opens the installation, migrates and starts.
    /// </summary>
    public static async Task<EmbeddedServer> StartAsync(string dataDirectory, string? configFile, int port, Action<Microsoft.Extensions.Logging.ILoggingBuilder>? logging, CancellationToken ct,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? apiOverrides = null)
    {
        TierRunner.EnsurePortFree("web", "127.0.0.1", port);
        Hosting.Installation.ProbeWritable(dataDirectory);
        var prospective = TierRunner.ValidatedApiOptions(SigillConfiguration.ForApi(SigillConfiguration.Load(Hosting.Installation.Prospective(dataDirectory), configFile)));
        await TierRunner.CheckExternalCellsAsync(prospective, ct);

        var dataLock = DataDirectoryLock.Acquire(dataDirectory);
        try
        {
            return await StartLockedAsync(dataDirectory, configFile, port, logging, apiOverrides, dataLock, ct);
        }
        catch
        {
            dataLock.Dispose();
            throw;
        }
    }

    private static async Task<EmbeddedServer> StartLockedAsync(string dataDirectory, string? configFile, int port, Action<Microsoft.Extensions.Logging.ILoggingBuilder>? logging,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? apiOverrides, DataDirectoryLock dataLock, CancellationToken ct)
    {
        var installation = Hosting.Installation.OpenOrCreate(dataDirectory);
        var configuration = SigillConfiguration.Load(installation, configFile);
        // Recipient links must point at this web tier: fix its port before the API tier is built.
        port = port == 0 ? FreeLoopbackPort() : port;
        if (configuration["Mail:LinkBaseUrl"] is null)
        {
            configuration["Mail:LinkBaseUrl"] = $"http://127.0.0.1:{port}";
        }
        var apiConfiguration = SigillConfiguration.ForApi(configuration);
        var apiOptions = TierRunner.ValidatedApiOptions(apiConfiguration);
        await TierRunner.MigrateAsync(apiOptions, null, ct);

        var api = ApiHost.Build(apiConfiguration, "http://127.0.0.1:0", logging, apiOverrides);
        WebApplication? web = null;
        try
        {
            var apiUrl = await TierRunner.StartAsync(api, "api", 0, ct);
            web = WebTierHost.Build(SigillConfiguration.ForWeb(configuration, apiUrl.ToString().TrimEnd('/')), $"http://127.0.0.1:{port}", CommonOptions.ForWebTier(logging));
            var webUrl = await TierRunner.StartAsync(web, "web", port, ct);
            return new EmbeddedServer(installation, dataLock, api, web, apiUrl, webUrl, [.. apiOptions.Cells.Keys.Order(StringComparer.Ordinal)]);
        }
        catch
        {
            if (web is not null)
            {
                await web.DisposeAsync();
            }
            await api.DisposeAsync();
            throw;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Issues a fresh one-time setup link (the previous one stops working), or null once setup is done.</summary>
    public Uri? IssueSetupLink() =>
        File.Exists(Installation.SetupTokenFile)
            ? new Uri(WebUrl, $"/setup/{SetupToken.Issue(Installation.SetupTokenFile)}")
            : null;

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync(CancellationToken.None);
        await _api.StopAsync(CancellationToken.None);
        await _web.DisposeAsync();
        await _api.DisposeAsync();
        _lock.Dispose();
    }
}
