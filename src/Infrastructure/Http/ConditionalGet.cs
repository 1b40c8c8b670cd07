using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Conduit.Infrastructure.Http;

/// <summary>
/// Every successful <c>GET</c> of the API carries an <c>ETag</c> (the endpoint's own, such as an article's
/// version, or else a weak one over the body) and answers a matching <c>If-None-Match</c> with 304 and no
/// body (RFC 9110 §13.1.2: weak comparison, <c>*</c> matches any representation). Answers vary by
/// <c>Authorization</c> and must be revalidated; answers to a signed-in request are <c>private</c>, so a
/// shared cache never hands one viewer's flags to another. GET endpoints answer with <see cref="Answer.Ok"/>,
/// which does this itself; any other GET is buffered here to be tagged.
/// </summary>
public static class ConditionalGet
{
    public static IApplicationBuilder UseConditionalGet(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsGet(context.Request.Method)
            || !context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
            || context.GetEndpoint()?.Metadata.GetMetadata<Answer.Tagged>() is not null
            || context.GetEndpoint()?.Metadata.GetMetadata<Answer.Streamed>() is not null)
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

        if (response.StatusCode == StatusCodes.Status200OK && !response.HasStarted
            && NotModified(context, response.Headers.ETag.Count > 0 ? response.Headers.ETag.ToString() : WeakTagOf(buffer.GetBuffer().AsSpan(0, (int)buffer.Length))))
        {
            return;
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    });

    /// <summary>Sets the validator and caching headers; true (and a 304 with no body) when the client's copy is current.</summary>
    internal static bool NotModified(HttpContext context, string etag)
    {
        var response = context.Response;
        response.Headers.Vary = HeaderNames.Authorization;
        response.Headers.CacheControl = context.Request.Headers.Authorization.Count > 0 ? "private, no-cache" : "no-cache";
        response.Headers.ETag = etag;
        if (!Matches(context.Request.Headers.IfNoneMatch, etag))
        {
            return false;
        }

        response.StatusCode = StatusCodes.Status304NotModified;
        response.ContentLength = null;
        response.Headers.ContentType = default;
        return true;
    }

    internal static string WeakTagOf(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        return $"W/\"{Convert.ToBase64String(hash[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_')}\"";
    }

    /// <summary>Unparseable or empty headers match nothing: the client simply gets the full answer.</summary>
    internal static bool Matches(StringValues ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Count == 0 || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var candidates) || !EntityTagHeaderValue.TryParse(etag, out var current))
        {
            return false;
        }

        return candidates.Any(candidate => candidate.Equals(EntityTagHeaderValue.Any) || candidate.Compare(current, useStrongComparison: false));
    }
}

/// <summary>
/// A GET endpoint's 200 answer, as JSON, with its ETag (<see cref="ConditionalGet"/>). The bytes and the weak
/// ETag of an answer object are made once: the read cache hands every anonymous reader the same object.
/// </summary>
public static class Answer
{
    public static Json<T> Ok<T>(T value, string? etag = null) where T : class => new(value, etag);

    /// <summary>Endpoint metadata: this endpoint tags its answers itself.</summary>
    public sealed class Tagged;

    /// <summary>Endpoint metadata: a stream (server-sent events), never buffered nor tagged.</summary>
    public sealed class Streamed;

    public sealed class Json<T>(T value, string? etag) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult<T>
        where T : class
    {
        private static readonly ConditionalWeakTable<T, Rendered> Renderings = [];

        public T Value { get; } = value;

        public int? StatusCode => StatusCodes.Status200OK;

        public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
        {
            builder.Metadata.Add(new Tagged());
            builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
        }

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var options = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            var rendered = Renderings.GetValue(Value, answer => Rendered.Of(answer, options));
            if (ConditionalGet.NotModified(httpContext, etag ?? rendered.WeakETag))
            {
                return;
            }

            httpContext.Response.StatusCode = StatusCodes.Status200OK;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            httpContext.Response.ContentLength = rendered.Json.Length;
            await httpContext.Response.Body.WriteAsync(rendered.Json, httpContext.RequestAborted);
        }

        private sealed record Rendered(byte[] Json, string WeakETag)
        {
            public static Rendered Of(T answer, JsonSerializerOptions options)
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(answer, options);
                return new Rendered(json, ConditionalGet.WeakTagOf(json));
            }
        }
    }
}
