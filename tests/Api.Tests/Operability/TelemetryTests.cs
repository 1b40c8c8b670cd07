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
        // The server span ends just after the response is sent, so it may be exported a moment later.
        var path = $"/api/profiles/{user.Username}";
        Activity[] trace = [];
        for (var attempt = 0; attempt < 50; attempt++)
        {
            // The exporter appends from request threads (every test's requests reach this listener): work on a
            // copy; List<T>.ToArray never throws on a concurrent append, it just may miss the newest span.
            var snapshot = spans.ToArray();
            var http = snapshot.Where(span => span.Kind == ActivityKind.Server && span.GetTagItem("url.path") as string == path).ToList();
            if (http.Count > 0)
            {
                http.Should().ContainSingle();
                trace = [.. snapshot.Where(span => span.TraceId == http[0].TraceId)];
                break;
            }

            await Task.Delay(100);
        }

        trace.Should().NotBeEmpty("the HTTP server span of the request was exported");

        var useCase = trace.Should().ContainSingle(span => span.Source.Name == "Conduit" && span.DisplayName == "GetProfile").Subject;
        useCase.GetTagItem("conduit.outcome").Should().Be("ok");
        // The shared profile is an inner request of the use case (the one the read cache keeps).
        var shared = trace.Should().ContainSingle(span => span.Source.Name == "Conduit" && span.DisplayName == "GetProfile.Public").Subject;
        shared.ParentSpanId.Should().Be(useCase.SpanId);
        trace.Should().Contain(span => span.Source.Name == "Npgsql" && span.Kind == ActivityKind.Client && span.ParentSpanId == shared.SpanId,
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
        metrics.Should().Contain("conduit_cache_lookups", "the read cache reports its hits and misses");
    }
}
