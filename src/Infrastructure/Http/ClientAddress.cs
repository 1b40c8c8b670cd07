using System.Net;
using System.Net.Sockets;

namespace Conduit.Infrastructure.Http;

/// <summary>The client's address as per-address limits key it (after forwarded headers from trusted proxies).</summary>
public static class ClientAddress
{
    /// <summary>
    /// IPv4-mapped IPv6 is the IPv4 address; other IPv6 addresses count by their /64, without zone: one
    /// subscriber gets a whole /64, and must not get a fresh budget per address inside it.
    /// </summary>
    public static string KeyOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return $"{new IPAddress(bytes)}/64";
    }
}
