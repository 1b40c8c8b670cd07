using System.Globalization;
using System.Diagnostics;

namespace Conduit.Infrastructure.Errors;

/// <summary>
/// Turns every exception into the contract's error shape. Expected failures are mapped by
/// <see cref="ErrorMapping"/>; the rest are bugs: a generic 500 and one log line with the trace id.
/// Nothing from the exception (text, type, stack) ever reaches the client.
/// </summary>
internal sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            var mapped = ErrorMapping.Map(exception);
            var traceId = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            if (mapped is null)
            {
                LogFailure(logger, exception.GetType().Name, traceId, exception);
            }
            else if (mapped.Value.Status == StatusCodes.Status503ServiceUnavailable)
            {
                // An outage answers every request with 503: one short line each, not a stack trace each.
                LogUnavailable(logger, exception.GetType().Name, exception.Message, traceId);
            }

            var (status, body) = mapped ?? (StatusCodes.Status500InternalServerError, ErrorEnvelope.Of("server", "an unexpected error occurred"));
            context.Response.Clear();
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "5";
            }
            else if (exception is ApiException { RetryAfter: { } retryAfter })
            {
                context.Response.Headers.RetryAfter = ((long)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            }

            await context.Response.WriteAsJsonAsync(body, context.RequestAborted);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service unavailable: {ExceptionType}: {Reason} (trace {TraceId})")]
    private static partial void LogUnavailable(ILogger logger, string exceptionType, string reason, string traceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request failed with {ExceptionType} (trace {TraceId})")]
    private static partial void LogFailure(ILogger logger, string exceptionType, string traceId, Exception exception);
}
