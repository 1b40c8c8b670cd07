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
            if (mapped is null || mapped.Value.Status >= StatusCodes.Status500InternalServerError)
            {
                LogFailure(logger, exception.GetType().Name, Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier, exception);
            }

            var (status, body) = mapped ?? (StatusCodes.Status500InternalServerError, ErrorEnvelope.Of("server", "an unexpected error occurred"));
            context.Response.Clear();
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "5";
            }

            await context.Response.WriteAsJsonAsync(body, context.RequestAborted);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Request failed with {ExceptionType} (trace {TraceId})")]
    private static partial void LogFailure(ILogger logger, string exceptionType, string traceId, Exception exception);
}
