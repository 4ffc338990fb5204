using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sigill.Api;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;

namespace Sigill.Bench;

/// <summary>
/// The API tier in this process on a scratch PostgreSQL database (created from <c>SIGILL_BENCH_POSTGRES</c>'s server),
/// files for blobs, keys and the outbox in a temporary folder, one organization and a client holding its token and the
/// service credential. Disposing stops the tier and deletes the folder; the scratch database stays with the throwaway server.
/// </summary>
internal sealed class BenchApiHost : IAsyncDisposable
{
    private readonly DirectoryInfo _directory;

    private BenchApiHost(WebApplication app, Cell cell, HttpClient client, DirectoryInfo directory) => (App, Cell, Client, _directory) = (app, cell, client, directory);

    public WebApplication App { get; }
    public Cell Cell { get; }
    public HttpClient Client { get; }

    /// <param name="settings">Settings beside the defaults (e.g. <c>Jobs:RunWorker</c>).</param>
    public static async Task<BenchApiHost> StartAsync(string admin, IReadOnlyDictionary<string, string?> settings, CancellationToken ct)
    {
        var name = "bench_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(ct);
#pragma warning disable CA2100 // the database name is a fresh GUID, never input (CREATE DATABASE takes no parameters)
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
#pragma warning restore CA2100
            await command.ExecuteNonQueryAsync(ct);
        }
        var directory = Directory.CreateTempSubdirectory("sigill-bench-api-");
        var master = Path.Combine(directory.FullName, "master.key");
        await File.WriteAllTextAsync(master, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ct);
        File.SetUnixFileMode(master, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var credential = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var values = new Dictionary<string, string?>
        {
            ["ServiceCredential"] = credential,
            ["Identity:DirectoryKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["SetupTokenFile"] = Path.Combine(directory.FullName, "setup-token"),
            ["Cells:eu:Database:Provider"] = "postgres",
            ["Cells:eu:Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 50 }.ConnectionString,
            ["Cells:eu:Blobs:Provider"] = "filesystem",
            ["Cells:eu:Blobs:Path"] = Path.Combine(directory.FullName, "blobs"),
            ["Cells:eu:Keys:KeyringDirectory"] = Path.Combine(directory.FullName, "keys"),
            ["Cells:eu:Keys:MasterKeyFile"] = master,
            ["Mail:Outbox:eu"] = Path.Combine(directory.FullName, "outbox"),
            // The benchmarks measure the server's work, not its request-rate limits (one token, one address).
            ["RateLimits:PerAddressPerSecond"] = "0",
            ["RateLimits:PerCredentialPerSecond"] = "0",
        };
        foreach (var (key, value) in settings) values[key] = value;
        var app = ApiHost.Build(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), "http://127.0.0.1:0");
        var cell = app.Services.GetRequiredService<CellRegistry>().Get("eu");
        await cell.MigrateAsync(ct);
        await app.StartAsync(ct);
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var (_, _, token) = await OrganizationFactory.CreateAsync(cell, "Bench AB", "bench", TimeProvider.System, ct);
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Add(Sigill.Contracts.SigillHeaders.ServiceCredential, credential);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new BenchApiHost(app, cell, client, directory);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }
}
