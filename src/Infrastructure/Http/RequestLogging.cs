using System.Diagnostics;

namespace Conduit.Infrastructure.Http;

/// <summary>
/// One Information line per request: method, route template (never the raw path, which carries
/// user names and slugs), status and duration. Headers and bodies are never logged: they carry tokens
/// and passwords.
/// </summary>
internal sealed partial class RequestLogging(RequestDelegate next, ILogger<RequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            // A group's "/" route ends in a slash the client never sent; log the template as the OpenAPI document names it.
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText?.TrimEnd('/') is { Length: > 0 } template ? template : "(unmatched)";
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogRequest(logger, context.Request.Method, route, context.Response.StatusCode, elapsedMs);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Route} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string route, int statusCode, double elapsedMs);
}
