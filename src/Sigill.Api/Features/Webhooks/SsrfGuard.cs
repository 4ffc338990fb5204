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
/// <see cref="WebhookOptions.AllowedNetworks"/> covers it. The same guard, with its own allowed networks, fetches the
/// CRLs that TSA certificates point at (<c>Timestamps:CrlAllowedNetworks</c>).
/// </summary>
internal sealed class SsrfGuard
{
    private readonly IReadOnlyList<IPNetwork> _allowed;
    private readonly TimeSpan _timeout;
    private readonly string _target;

    public SsrfGuard(WebhookOptions options)
        : this(options.Allowed, options.Timeout, "the webhook target")
    {
    }

    /// <param name="target">What is being reached, for the refusal's message ("the webhook target").</param>
    public SsrfGuard(IReadOnlyList<IPNetwork> allowed, TimeSpan timeout, string target) => (_allowed, _timeout, _target) = (allowed, timeout, target);

    // Loopback, "this network", private (RFC 1918), carrier-grade NAT, link-local (incl. metadata), IETF protocol
    // assignments, benchmarking, multicast and reserved; IPv6 unspecified, loopback, unique local, link-local, the
    // deprecated site-local, and multicast. IPv6 forms that carry an IPv4 address are judged by that address (Embedded),
    // except the local-use NAT64 prefix (RFC 8215), where the address sits wherever the operator's prefix length puts it.
    private static readonly IPNetwork[] Refused = [.. new[]
    {
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "64:ff9b:1::/48",
    }.Select(n => IPNetwork.Parse(n))];

    /// <summary>
    /// Allowed when the address, and every IPv4 address it carries (<see cref="Embedded"/>), is allowed: inside
    /// <see cref="WebhookOptions.AllowedNetworks"/> or outside the refused networks. So <c>::ffff:127.0.0.1</c>,
    /// <c>::7f00:1</c>, <c>64:ff9b::a00:1</c> or <c>2002:a9fe:a9fe::1</c> are refused like 127.0.0.1, 10.0.0.1 and
    /// 169.254.169.254, and <c>64:ff9b::808:808</c> (NAT64 of a public address) is allowed like 8.8.8.8.
    /// </summary>
    public bool IsAllowed(IPAddress address) => Judged(address).All(a => _allowed.Any(n => n.Contains(a)) || !Refused.Any(n => n.Contains(a)));

    private static IEnumerable<IPAddress> Judged(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6
        ? [address, .. Embedded(address.GetAddressBytes())]
        : [address];

    /// <summary>
    /// The IPv4 addresses an IPv6 address can deliver to: IPv4-mapped <c>::ffff:0:0/96</c> and IPv4-compatible
    /// <c>::/96</c> (RFC 4291), IPv4-translated <c>::ffff:0:0:0/96</c> (RFC 2765), NAT64 <c>64:ff9b::/96</c> (RFC 6052),
    /// 6to4 <c>2002::/16</c> (RFC 3056), Teredo <c>2001::/32</c> (RFC 4380: the server and the obfuscated client) and an
    /// ISATAP interface identifier (RFC 5214) under any prefix.
    /// </summary>
    internal static IEnumerable<IPAddress> Embedded(byte[] b)
    {
        if (IsZero(b, 0, 10) && b[10] == 0xFF && b[11] == 0xFF) yield return V4(b, 12, 13, 14, 15); // mapped
        if (IsZero(b, 0, 12)) yield return V4(b, 12, 13, 14, 15); // compatible (:: and ::1 give 0.0.0.0 and 0.0.0.1)
        if (IsZero(b, 0, 8) && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0) yield return V4(b, 12, 13, 14, 15); // translated
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && IsZero(b, 4, 12)) yield return V4(b, 12, 13, 14, 15); // NAT64
        if (b[0] == 0x20 && b[1] == 0x02) yield return V4(b, 2, 3, 4, 5); // 6to4
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
        {
            yield return V4(b, 4, 5, 6, 7); // Teredo server
            yield return new IPAddress([(byte)~b[12], (byte)~b[13], (byte)~b[14], (byte)~b[15]]); // Teredo client, stored inverted
        }
        if ((b[8] & 0xFD) == 0x00 && b[9] == 0x00 && b[10] == 0x5E && b[11] == 0xFE) yield return V4(b, 12, 13, 14, 15); // ISATAP
    }

    private static bool IsZero(byte[] bytes, int from, int to) => bytes.AsSpan(from, to - from).IndexOfAnyExcept((byte)0) < 0;

    private static IPAddress V4(byte[] bytes, int a, int b, int c, int d) => new([bytes[a], bytes[b], bytes[c], bytes[d]]);

    /// <summary>The addresses of <paramref name="host"/>, all allowed, or <see cref="WebhookTargetRefusedException"/>.</summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0 || !addresses.All(IsAllowed))
        {
            throw new WebhookTargetRefusedException($"{_target} resolves to an address that is not allowed (loopback, private, link-local or metadata)");
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
            ConnectTimeout = _timeout,
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
        return new HttpClient(handler) { Timeout = _timeout };
    }
}
