using System.Net;
using System.Net.Sockets;

namespace Sigill.Http;

/// <summary>
/// How both tiers count "one client" by address: IPv4 as it is (IPv4-mapped IPv6 as IPv4), IPv6 by its /64 — one
/// subscriber's prefix, or rotating addresses would each get a fresh budget.
/// </summary>
public static class ClientAddress
{
    public static string KeyOf(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }
        return address.ToString();
    }
}
