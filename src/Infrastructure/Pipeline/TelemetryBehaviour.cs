using System.Diagnostics;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Telemetry;
using Mediator;

namespace Conduit.Infrastructure.Pipeline;

/// <summary>First in the pipeline: one span, one count and one duration per use case, tagged with the outcome.</summary>
public sealed class TelemetryBehaviour<TMessage, TResponse> : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var name = UseCase<TMessage>.Name;
        using var activity = ConduitTelemetry.Source.StartActivity(name);
        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            return await next(message, cancellationToken);
        }
        catch (ApiException failure)
        {
            outcome = failure.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            activity?.SetTag("http.response.status_code", failure.Status);
            throw;
        }
        catch (Exception failure)
        {
            outcome = "error";
            activity?.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
            throw;
        }
        finally
        {
            activity?.SetTag("conduit.outcome", outcome);
            ConduitTelemetry.Record(name, outcome, Stopwatch.GetElapsedTime(started));
        }
    }
}
