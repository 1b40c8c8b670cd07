using System.Diagnostics;
using System.Net;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using OpenTelemetry.Trace;

namespace Conduit.Tests.Operability;

public sealed class TelemetryTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task One_request_yields_HTTP_use_case_and_SQL_spans_in_one_trace()
    {
        var spans = new List<Activity>();
        using var factory = api.WithWebHostBuilder(builder => builder.ConfigureServices(services =>
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))));
        using var client = new ConduitClient(factory.CreateClient());
        var user = await client.RegisterAsync("traced");

        var reply = await client.GetAsync($"/api/profiles/{user.Username}");
        reply.Status.Should().Be(HttpStatusCode.OK);

        // Spans from other tests' requests share the process-wide listeners: find ours by its unique path.
        Activity[] trace;
        lock (spans)
        {
            var http = spans.Should().ContainSingle(span => span.Kind == ActivityKind.Server && span.GetTagItem("url.path") as string == $"/api/profiles/{user.Username}").Subject;
            trace = [.. spans.Where(span => span.TraceId == http.TraceId)];
        }

        var useCase = trace.Should().ContainSingle(span => span.Source.Name == "Conduit" && span.DisplayName == "GetProfile").Subject;
        useCase.GetTagItem("conduit.outcome").Should().Be("ok");
        trace.Should().Contain(span => span.Source.Name == "Npgsql" && span.Kind == ActivityKind.Client && span.ParentSpanId == useCase.SpanId,
            "the SQL of the use case runs inside its span");
    }

    [Fact]
    public async Task Metrics_are_served_as_Prometheus_text_with_the_use_case_counter()
    {
        using var client = new ConduitClient(api.CreateClient());
        (await client.GetAsync("/api/tags")).Status.Should().Be(HttpStatusCode.OK);

        var metrics = await client.Http.GetStringAsync("/metrics");

        metrics.Should().Contain("conduit_usecase_requests").And.Contain("usecase=\"ListTags\"");
        metrics.Should().Contain("http_server_request_duration_seconds");
        metrics.Should().Contain("dotnet_gc_");
        metrics.Should().Contain("db_client_", "Npgsql reports its commands and pool");
    }
}
