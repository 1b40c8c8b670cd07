using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Conduit.Infrastructure.Http;

public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Largest accepted request body; bigger ones get 413 before the body is read.</summary>
    [Range(1024, 104_857_600)]
    public long MaxRequestBodyBytes { get; set; } = 1_048_576;
}

/// <summary>Response headers every answer carries and the request-size guard.</summary>
public static class HttpHardening
{
    public static IServiceCollection AddConduitLimits(this IServiceCollection services)
    {
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Registered outermost and applied when the response starts, so that error bodies (whose
    /// middleware clears the response) carry the header too.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            ((HttpResponse)state).Headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });

    /// <summary>Inside the error middleware: an oversized body becomes the contract's 413.</summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app)
    {
        var limit = app.ApplicationServices.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxRequestBodyBytes;
        return app.Use((context, next) =>
        {
            if (context.Request.ContentLength > limit)
            {
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }

            // Chunked bodies have no length up front: the server stops reading them at the limit.
            var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (sizeFeature is { IsReadOnly: false })
            {
                sizeFeature.MaxRequestBodySize = limit;
            }

            return next(context);
        });
    }
}
