using System.Diagnostics.Metrics;
using Conduit.Infrastructure.Telemetry;

namespace Conduit.Infrastructure.Caching;

internal static class CacheMetrics
{
    private static readonly Meter Meter = new(ConduitTelemetry.Name);

    private static readonly Counter<long> Lookups = Meter.CreateCounter<long>(
        "conduit.cache.lookups", unit: "{lookup}", description: "Read-cache lookups, by result (hit or miss).");

    public static void Hit() => Lookups.Add(1, new KeyValuePair<string, object?>("result", "hit"));

    public static void Miss() => Lookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
}
