using System.Net;
using Conduit.Infrastructure.Http;
using Microsoft.AspNetCore.Http;

namespace Conduit.Tests.Unit;

/// <summary>The key per-address limits count by.</summary>
public sealed class ClientAddressTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("fe80::1%3", "fe80::/64")]
    public void IPv4_is_itself_and_IPv6_counts_by_its_64_without_zone(string address, string key)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);

        ClientAddress.KeyOf(context).Should().Be(key);
    }

    [Fact]
    public void No_address_is_one_shared_unknown_client()
    {
        ClientAddress.KeyOf(new DefaultHttpContext()).Should().Be("unknown");
    }
}
