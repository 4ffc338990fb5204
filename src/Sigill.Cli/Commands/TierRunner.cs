using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Hosting;

namespace Sigill.Cli.Commands;

/// <summary>Shared steps of the hosting verbs: validate, check the cells, migrate, start a tier.</summary>
internal static class TierRunner
{
    /// <summary>Checks every cell that lives outside the data directory (PostgreSQL, S3) before anything is written.</summary>
    public static async Task CheckExternalCellsAsync(ApiTierOptions options, CancellationToken ct)
    {
        var external = new ApiTierOptions
        {
            ServiceCredential = options.ServiceCredential,
            Cells = options.Cells.Where(c => c.Value.Database.Provider != "sqlite" || c.Value.Blobs.Provider != "filesystem")
                .ToDictionary(c => c.Key, c => c.Value),
        };
        using var registry = new CellRegistry(external);
        foreach (var cell in registry.All)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            if (cell.DatabaseProvider == "postgres")
            {
                await using var db = cell.CreateDbContext();
                try
                {
                    await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.OpenConnectionAsync(db.Database, timeout.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException || timeout.IsCancellationRequested)
                {
                    throw new CellUnavailableException(cell.Region, $"cannot reach its postgres database at {cell.DatabaseLocation}: {Flatten(e)}", e);
                }
            }
            if (cell.Options.Blobs.Provider == "s3")
            {
                try
                {
                    await cell.Blobs.CheckAsync(timeout.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException || timeout.IsCancellationRequested)
                {
                    throw new CellUnavailableException(cell.Region, $"cannot reach its blob store at {cell.Blobs.Location}: {Flatten(e)}", e);
                }
            }
        }
    }

    public static ApiTierOptions ValidatedApiOptions(IConfiguration apiConfiguration)
    {
        return Sigill.Http.SigillOptions.Read<ApiTierOptions>(apiConfiguration, ApiHost.Tier, s => ApiTierOptions.Register(s));
    }

    public static async Task MigrateAsync(ApiTierOptions options, Action<string>? progress, CancellationToken ct)
    {
        using var registry = new CellRegistry(options);
        foreach (var cell in registry.All)
        {
            progress?.Invoke(cell.Region);
            try
            {
                await cell.MigrateAsync(ct);
                // A cell opens only with every journaled erasure applied: what a restored backup brought back is erased again.
                await Sigill.Api.Features.Privacy.Erasure.ReplayAsync(cell, DateTime.UtcNow, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException and not CellUnavailableException)
            {
                throw new CellUnavailableException(cell.Region, $"could not be migrated ({cell.DatabaseProvider} at {cell.DatabaseLocation}): {Flatten(e)}", e);
            }
        }
    }

    /// <summary>
    /// Fails with one line when <paramref name="port"/> cannot be listened on, before anything is built or written.
    /// Kestrel would fail as well, but the host logs that failure with a 3 KB stack trace before it throws;
    /// <see cref="StartAsync"/> still maps a port taken in between to the same line.
    /// </summary>
    public static void EnsurePortFree(string tier, string host, int port)
    {
        if (port == 0) return;
        var address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (address is null) return; // a host name: Kestrel resolves it, and StartAsync maps what it meets
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // As Kestrel binds: SO_REUSEADDR, so the closing connections of a process that just stopped do not count as a holder.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new InstallationException(PortInUse(tier, port));
        }
        catch (SocketException e)
        {
            throw new InstallationException($"{tier} tier: cannot listen on {host}:{port}: {e.Message}");
        }
    }

    private static string PortInUse(string tier, int port) =>
        $"{tier} tier: port {port} is already in use; stop what listens there or pass another --port";

    public static async Task<Uri> StartAsync(WebApplication app, string tier, int port, CancellationToken ct)
    {
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e) when (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new InstallationException(PortInUse(tier, port));
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public static string Flatten(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            var line = x.Message.ReplaceLineEndings(" ").Trim();
            if (!messages.Contains(line) && !line.Contains("See the inner exception", StringComparison.OrdinalIgnoreCase))
            {
                messages.Add(line);
            }
        }
        return string.Join(": ", messages);
    }
}
