using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Conduit.Infrastructure.Http;

/// <summary>
/// Every successful <c>GET</c> of the API carries an <c>ETag</c> (the endpoint's own, such as an article's
/// version, or else a weak one over the body) and answers a matching <c>If-None-Match</c> with 304 and no
/// body (RFC 9110 §13.1.2: weak comparison, <c>*</c> matches any representation). Answers vary by
/// <c>Authorization</c> and must be revalidated; answers to a signed-in request are <c>private</c>, so a
/// shared cache never hands one viewer's flags to another.
/// </summary>
public static class ConditionalGet
{
    public static IApplicationBuilder UseConditionalGet(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsGet(context.Request.Method) || !context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        var response = context.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }

        response.Headers.Vary = HeaderNames.Authorization;
        response.Headers.CacheControl = context.Request.Headers.Authorization.Count > 0 ? "private, no-cache" : "no-cache";
        if (response.StatusCode == StatusCodes.Status200OK && !response.HasStarted)
        {
            var etag = response.Headers.ETag.Count > 0 ? response.Headers.ETag.ToString() : WeakTagOf(buffer);
            response.Headers.ETag = etag;
            if (Matches(context.Request.Headers.IfNoneMatch, etag))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                response.ContentLength = null;
                response.Headers.ContentType = default;
                return;
            }
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    });

    private static string WeakTagOf(MemoryStream body)
    {
        var hash = SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length));
        return $"W/\"{Convert.ToBase64String(hash, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_')}\"";
    }

    /// <summary>Unparseable or empty headers match nothing: the client simply gets the full answer.</summary>
    internal static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Count == 0 || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var candidates) || !EntityTagHeaderValue.TryParse(etag, out var current))
        {
            return false;
        }

        return candidates.Any(candidate => candidate.Equals(EntityTagHeaderValue.Any) || candidate.Compare(current, useStrongComparison: false));
    }
}
