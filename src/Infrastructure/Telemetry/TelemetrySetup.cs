using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Conduit.Infrastructure.Telemetry;

/// <summary>
/// Traces (HTTP → use case → SQL) and metrics (HTTP, runtime, Npgsql pool and commands, use cases).
/// Prometheus text is always served at <c>/metrics</c>; OTLP export (traces, metrics and logs) switches
/// on when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, read by the exporter with the other OTEL_* variables.
/// </summary>
public static class TelemetrySetup
{
    public static WebApplicationBuilder AddConduitTelemetry(this WebApplicationBuilder builder)
    {
        // Log lines carry the trace and span ids of the request they belong to.
        builder.Logging.Configure(options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);

        // The framework's "Request starting/finished" lines carry the raw path and query string, where stream tickets
        // travel (EventSource cannot send headers); RequestLogging is the request log. Kept from every level setting.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", level => level >= LogLevel.Warning);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("conduit-api"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path))
                .AddSource(ConduitTelemetry.Name)
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(ConduitTelemetry.Name)
                .AddPrometheusExporter());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithLogging().UseOtlpExporter();
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapConduitMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>Probes and scrapes would drown the traces that matter.</summary>
    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
