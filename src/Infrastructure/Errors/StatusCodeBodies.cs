using Microsoft.AspNetCore.Diagnostics;

namespace Conduit.Infrastructure.Errors;

/// <summary>Gives the body-less answers of routing (404 unknown path, 405 wrong method) the contract's error shape.</summary>
internal static class StatusCodeBodies
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var response = context.HttpContext.Response;
        var body = response.StatusCode switch
        {
            StatusCodes.Status404NotFound => ErrorEnvelope.Of("route", "not found"),
            StatusCodes.Status405MethodNotAllowed => ErrorEnvelope.Of("method", "not allowed"),
            _ => ErrorEnvelope.Of("request", "failed"),
        };
        return response.WriteAsJsonAsync(body, context.HttpContext.RequestAborted);
    }
}
