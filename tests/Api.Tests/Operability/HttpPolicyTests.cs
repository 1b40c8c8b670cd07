using System.Net;
using System.Text;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Conduit.Tests.Operability;

/// <summary>CORS, the body size limit and the headers every answer carries.</summary>
public sealed class HttpPolicyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string SpaOrigin = "https://app.example.test";

    [Fact]
    public async Task A_preflight_from_a_configured_origin_is_answered_with_the_allowed_headers()
    {
        using var client = api.WithWebHostBuilder(builder => builder.UseSetting("Cors:AllowedOrigins:0", SpaOrigin)).CreateClient();

        using var response = await client.SendAsync(Preflight(SpaOrigin, "PUT", "authorization,content-type"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal(SpaOrigin);
        string.Join(',', response.Headers.GetValues("Access-Control-Allow-Headers")).ToUpperInvariant().Should().Contain("AUTHORIZATION").And.Contain("CONTENT-TYPE");
        string.Join(',', response.Headers.GetValues("Access-Control-Allow-Methods")).Should().Contain("PUT");
    }

    [Fact]
    public async Task Another_origin_gets_no_CORS_headers()
    {
        using var client = api.WithWebHostBuilder(builder => builder.UseSetting("Cors:AllowedOrigins:0", SpaOrigin)).CreateClient();

        using var response = await client.SendAsync(Preflight("https://evil.example.test", "GET", "authorization"));

        response.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task Error_answers_to_an_allowed_origin_carry_CORS_headers_so_the_SPA_can_read_them()
    {
        using var client = api.WithWebHostBuilder(builder => builder.UseSetting("Cors:AllowedOrigins:0", SpaOrigin)).CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/user");
        request.Headers.Add("Origin", SpaOrigin);

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal(SpaOrigin);
    }

    [Fact]
    public async Task In_Development_any_local_dev_server_origin_is_allowed()
    {
        using var client = api.WithWebHostBuilder(builder => builder.UseEnvironment("Development")).CreateClient();

        using var local = await client.SendAsync(Preflight("http://localhost:4200", "POST", "content-type"));
        using var loopback = await client.SendAsync(Preflight("http://127.0.0.1:3000", "GET", "authorization"));
        using var remote = await client.SendAsync(Preflight("http://example.test:3000", "GET", "authorization"));

        local.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("http://localhost:4200");
        loopback.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("http://127.0.0.1:3000");
        remote.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task Browser_code_may_read_the_headers_the_API_sends_for_it()
    {
        using var client = api.WithWebHostBuilder(builder => builder.UseSetting("Cors:AllowedOrigins:0", SpaOrigin)).CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tags");
        request.Headers.Add("Origin", SpaOrigin);

        using var response = await client.SendAsync(request);

        var exposed = string.Join(',', response.Headers.GetValues("Access-Control-Expose-Headers")).Split(',', StringSplitOptions.TrimEntries);
        exposed.Should().Contain(["Retry-After", "Location", "ETag", "WWW-Authenticate"]);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_in_the_contract_shape()
    {
        using var client = new ConduitClient(api.CreateClient());
        var huge = new string('a', 1_048_577);

        var reply = await client.PostAsync("/api/users", $$$"""{"user":{"username":"big","email":"big@example.test","password":"{{{huge}}}"}}""");

        reply.Status.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        reply.Error("body").Should().Be("is too large");
    }

    [Fact]
    public async Task The_body_limit_is_configurable()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Limits:MaxRequestBodyBytes", "2048"));
        using var client = new ConduitClient(factory.CreateClient());

        var reply = await client.PostAsync("/api/users/login", $$$"""{"user":{"email":"a@example.test","password":"{{{new string('p', 3000)}}}"}}""");

        reply.Status.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("/api/tags")]
    [InlineData("/api/user")]
    [InlineData("/api/no-such-route")]
    [InlineData("/health/live")]
    public async Task Every_answer_says_nosniff(string path)
    {
        using var client = api.CreateClient();

        using var response = await client.GetAsync(path);

        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
    }

    private static HttpRequestMessage Preflight(string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/articles");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }
}
