using System.Collections.Concurrent;
using System.Diagnostics;

namespace Conduit.Tests.Infrastructure;

/// <summary>
/// Records the statements Npgsql runs on behalf of requests sent with <see cref="TraceParent"/>: how a test
/// counts the round trips of a use case through the real pipeline.
/// </summary>
public sealed class NpgsqlSpans : IDisposable
{
    private readonly ActivityTraceId trace = ActivityTraceId.CreateRandom();
    private readonly ConcurrentQueue<(string Name, string? Text)> statements = new();
    private readonly ActivityListener listener;

    public NpgsqlSpans()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == trace)
                {
                    statements.Enqueue((activity.DisplayName, (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
    }

    /// <summary>A fresh <c>traceparent</c> header value in the recorded trace.</summary>
    public string TraceParent => $"00-{trace}-{ActivitySpanId.CreateRandom()}-01";

    /// <summary>Each statement's span name and SQL text, in the order they ended.</summary>
    public IReadOnlyList<(string Name, string? Text)> Statements => [.. statements];

    public void Dispose() => listener.Dispose();
}
