using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Sigill.Http;

/// <summary>
/// Counts open connections per client address (IPv6 by its /64, IPv4-mapped as IPv4) and closes, before a byte is
/// read, a connection that would pass the cap: one client cannot hold all of Kestrel's connections open (slowloris
/// with many sockets). The count is per process; a connection without an IP address (a Unix socket) is not counted.
/// </summary>
internal sealed class ConnectionsPerAddress(int max)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    public ConnectionDelegate Guard(ConnectionDelegate next) => async connection =>
    {
        var key = KeyOf(connection.RemoteEndPoint);
        if (key is null)
        {
            await next(connection);
            return;
        }
        if (_open.AddOrUpdate(key, 1, (_, n) => n + 1) > max)
        {
            Leave(key);
            connection.Abort(new ConnectionAbortedException($"more than {max} open connections from one address (Http:MaxConnectionsPerAddress)"));
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            Leave(key);
        }
    };

    private void Leave(string key)
    {
        while (true)
        {
            var n = _open[key];
            if (n <= 1 ? _open.TryRemove(new KeyValuePair<string, int>(key, n)) : _open.TryUpdate(key, n - 1, n))
            {
                return;
            }
        }
    }

    private static string? KeyOf(EndPoint? endpoint) => endpoint is IPEndPoint ip ? ClientAddress.KeyOf(ip.Address) : null;
}
