using System.Diagnostics.Metrics;
using Conduit.Infrastructure.Telemetry;

namespace Conduit.Features.Live.Streams;

/// <summary>Open streams, events delivered and commit-to-client delay, on the API's own meter.</summary>
internal static class LiveMetrics
{
    private static readonly Meter Meter = new(ConduitTelemetry.Name);

    private static readonly UpDownCounter<long> Streams = Meter.CreateUpDownCounter<long>(
        "conduit.live.streams", unit: "{stream}", description: "Open live-update streams.");

    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>(
        "conduit.live.events", unit: "{event}", description: "Events written to live-update streams.");

    private static readonly Histogram<double> Lag = Meter.CreateHistogram<double>(
        "conduit.live.lag", unit: "s", description: "From the event's commit to its write to the client.");

    public static void StreamOpened() => Streams.Add(1);

    public static void StreamClosed() => Streams.Add(-1);

    public static void Sent(TimeSpan lag)
    {
        Delivered.Add(1);
        Lag.Record(Math.Max(0, lag.TotalSeconds));
    }
}
