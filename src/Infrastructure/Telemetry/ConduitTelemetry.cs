using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Conduit.Infrastructure.Telemetry;

/// <summary>The API's own ActivitySource and Meter; OpenTelemetry subscribes to both by name.</summary>
public static class ConduitTelemetry
{
    public const string Name = "Conduit";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "conduit.usecase.requests", unit: "{request}", description: "Requests handled, per use case and outcome.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "conduit.usecase.duration", unit: "s", description: "Time spent in the use case, pipeline included.");

    public static void Record(string useCase, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "usecase", useCase }, { "outcome", outcome } };
        Requests.Add(1, tags);
        Duration.Record(elapsed.TotalSeconds, tags);
    }
}
