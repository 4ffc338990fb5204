using System.Net;
using System.Net.Sockets;

namespace Sigill.Api.Features.Webhooks;

/// <summary>A webhook target resolves to an address Sigill refuses to call.</summary>
public sealed class WebhookTargetRefusedException(string message) : Exception(message);

/// <summary>
/// Server-side request forgery guard for webhook deliveries. Threat: an organization admin points a webhook at
/// the installation's own network (the database, the API tier, a cloud metadata service at 169.254.169.254)
/// and reads or triggers it. The check runs inside the HTTP client's connect step, on the addresses actually
/// dialled, so a DNS answer that changes between check and use (rebinding) cannot slip through; redirects are
/// not followed. A host is refused when ANY of its addresses is refused, unless
/// <see cref="WebhookOptions.AllowedNetworks"/> covers it.
/// </summary>
internal sealed class SsrfGuard(WebhookOptions options)
{
    // Loopback, "this network", private (RFC 1918), carrier-grade NAT, link-local (incl. metadata), IETF
    // protocol assignments, benchmarking, multicast and reserved; IPv6 unspecified, loopback, unique local,
    // link-local, multicast, and the NAT64 and 6to4 prefixes that can embed any IPv4 address.
    private static readonly IPNetwork[] Refused = [.. new[]
    {
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16",
    }.Select(n => IPNetwork.Parse(n))];

    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return options.Allowed.Any(n => n.Contains(address)) || !Refused.Any(n => n.Contains(address));
    }

    /// <summary>The addresses of <paramref name="host"/>, all allowed, or <see cref="WebhookTargetRefusedException"/>.</summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0 || !addresses.All(IsAllowed))
        {
            throw new WebhookTargetRefusedException("the webhook target resolves to an address that is not allowed (loopback, private, link-local or metadata)");
        }
        return addresses;
    }

    /// <summary>An HTTP client that dials only allowed addresses and follows no redirects.</summary>
    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectTimeout = options.Timeout,
            ConnectCallback = async (context, ct) =>
            {
                var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { Timeout = options.Timeout };
    }
}
