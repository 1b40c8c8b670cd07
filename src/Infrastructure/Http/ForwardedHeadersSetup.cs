using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Conduit.Infrastructure.Http;

public sealed class ProxyOptions
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed. Unset: loopback.</summary>
    public string[]? KnownProxies { get; set; }

    /// <summary>Networks (CIDR) of such proxies. Unset: 127.0.0.0/8 and ::1/128.</summary>
    public string[]? KnownNetworks { get; set; }

    /// <summary>How many proxies in front of the API append to X-Forwarded-For (nginx alone: 1).</summary>
    public int ForwardLimit { get; set; } = 1;
}

/// <summary>
/// The client's address and scheme behind reverse proxies, from X-Forwarded-For/-Proto, believed only when
/// the connection comes from a configured proxy; anyone else's headers are ignored, so a client cannot
/// choose the address that per-address limits count against.
/// </summary>
public static class ForwardedHeadersSetup
{
    public static IServiceCollection AddConduitForwardedHeaders(this IServiceCollection services)
    {
        services.AddOptions<ProxyOptions>()
            .BindConfiguration(ProxyOptions.Section)
            .Validate(options => (options.KnownProxies ?? []).All(proxy => IPAddress.TryParse(proxy, out _)),
                "ForwardedHeaders:KnownProxies must hold IP addresses like 10.0.0.5")
            .Validate(options => (options.KnownNetworks ?? []).All(network => System.Net.IPNetwork.TryParse(network, out _)),
                "ForwardedHeaders:KnownNetworks must hold CIDR networks like 10.0.0.0/8")
            .Validate(options => options.ForwardLimit is >= 1 and <= 10, "ForwardedHeaders:ForwardLimit must be 1-10")
            .ValidateOnStart();

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, configured) =>
        {
            var proxy = configured.Value;
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = proxy.ForwardLimit;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var address in proxy.KnownProxies ?? [])
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(address));
            }

            var networks = proxy.KnownNetworks ?? (proxy.KnownProxies is null ? ["127.0.0.0/8", "::1/128"] : []);
            foreach (var network in networks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }
}
