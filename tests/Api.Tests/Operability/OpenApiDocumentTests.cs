using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conduit.Infrastructure.Http;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Conduit.Tests.Operability;

/// <summary>
/// The document follows the code: every route the app maps under /api (read from its <see cref="EndpointDataSource"/>)
/// is a documented operation with a name, a tag, its token requirement and its error responses, and nothing else is.
/// Only the RealWorld contract's own operations are pinned (from ../shared/realworld/openapi.yml): a new endpoint
/// needs no edit here, it is checked by what it declares.
/// </summary>
public sealed partial class OpenApiDocumentTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly string[] Methods = ["get", "post", "put", "delete"];

    [Fact]
    public async Task The_contracts_operations_are_documented_with_their_success_status_and_token_requirement()
    {
        var document = await FetchDocumentAsync();

        document["openapi"]!.GetValue<string>().Should().StartWith("3.1");
        document["components"]!["securitySchemes"]!["Token"]!["in"]!.GetValue<string>().Should().Be("header");
        var ours = Operations(document).ToDictionary(operation => $"{operation.Method} {operation.Path}");
        foreach (var operation in ContractOperations())
        {
            ours.Should().ContainKey($"{operation.Method} {operation.Path}");
            ours[$"{operation.Method} {operation.Path}"].Should().Be(operation, "the contract pins its success status and whether it needs a token");
        }
    }

    [Fact]
    public async Task Every_mapped_route_is_a_documented_operation_and_nothing_else_is()
    {
        using var factory = WithDocs();
        var document = await FetchDocumentAsync(factory);

        var mapped = MappedRoutes(factory).Select(route => $"{route.Method} {route.Path}");
        var documented = Operations(document).Select(operation => $"{operation.Method} {operation.Path}");

        mapped.Should().NotBeEmpty().And.OnlyHaveUniqueItems();
        documented.Should().BeEquivalentTo(mapped);
    }

    [Fact]
    public async Task Every_operation_has_a_name_a_tag_its_token_requirement_and_its_error_responses()
    {
        using var factory = WithDocs();
        var document = await FetchDocumentAsync(factory);

        foreach (var route in MappedRoutes(factory))
        {
            var because = $"{route.Method} {route.Path} is mapped with them";
            var described = document["paths"]![route.Path]![route.Method]!;
            route.Name.Should().NotBeNullOrEmpty($"{route.Method} {route.Path} needs .WithName(nameof(UseCase))");
            described["operationId"]!.GetValue<string>().Should().Be(route.Name, because);
            described["tags"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().NotBeEmpty(because);
            var responses = described["responses"]!.AsObject().Select(response => response.Key).ToArray();
            foreach (var status in route.Statuses)
            {
                responses.Should().Contain(status.ToString(System.Globalization.CultureInfo.InvariantCulture), because);
            }

            responses.Count(status => status.StartsWith('2')).Should().Be(1, $"{route.Method} {route.Path} has one success status");
            (described["security"] is JsonArray { Count: > 0 }).Should().Be(route.NeedsToken, $"{route.Method} {route.Path}: the Token requirement follows RequiresToken()");
            if (route.NeedsToken)
            {
                responses.Should().Contain("401", because);
            }
        }
    }

    [Fact]
    public async Task The_moderation_operations_are_tagged_Admin_and_describe_401_and_403()
    {
        using var factory = WithDocs();
        var document = await FetchDocumentAsync(factory);

        var moderation = MappedRoutes(factory).Where(route => route.Path.StartsWith("/api/admin/", StringComparison.Ordinal)).ToArray();
        moderation.Should().NotBeEmpty();
        foreach (var route in moderation)
        {
            var described = document["paths"]![route.Path]![route.Method]!;
            described["tags"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Equal("Admin");
            described["responses"]!.AsObject().Select(response => response.Key).Should().Contain(["401", "403"]);
        }
    }

    [Fact]
    public async Task Error_responses_and_contract_field_names_are_described()
    {
        var document = await FetchDocumentAsync();

        var update = document["paths"]!["/api/articles/{slug}"]!["put"]!["responses"]!.AsObject().Select(response => response.Key);
        update.Should().Contain(["200", "401", "403", "404", "422"]);
        var refresh = document["paths"]!["/api/users/refresh"]!["post"]!["responses"]!.AsObject().Select(response => response.Key);
        refresh.Should().Contain(["200", "401", "422", "429"]);
        var endSession = document["paths"]!["/api/user/sessions/{id}"]!["delete"]!["responses"]!.AsObject().Select(response => response.Key);
        endSession.Should().Contain(["204", "401", "404", "422"]);
        var user = document["components"]!["schemas"]!["UserView"]!["properties"]!.AsObject().Select(property => property.Key);
        user.Should().Contain(["token", "refreshToken"]);
        var article = document["components"]!["schemas"]!["Article"]!["properties"]!.AsObject().Select(property => property.Key);
        article.Should().Contain(["slug", "tagList", "createdAt", "updatedAt", "favorited", "favoritesCount", "author"]);
        // Optional members of partial updates may be left out.
        document["components"]!["schemas"]!["UpdateUserUserChanges"]!["required"].Should().BeNull();
    }

    [Fact]
    public async Task Docs_are_off_outside_Development_unless_switched_on()
    {
        using var client = api.CreateClient();

        var document = await client.GetAsync("/openapi/v1.json");
        var docs = await client.GetAsync("/docs/");

        document.StatusCode.Should().Be(HttpStatusCode.NotFound);
        docs.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_docs_UI_is_served_when_switched_on()
    {
        using var client = api.WithWebHostBuilder(builder => builder.UseSetting("Docs:Enabled", "true")).CreateClient();

        var docs = await client.GetAsync("/docs/");

        docs.StatusCode.Should().Be(HttpStatusCode.OK);
        (await docs.Content.ReadAsStringAsync()).Should().Contain("openapi/v1.json", "Scalar resolves the document relative to the site root");
    }

    private WebApplicationFactory<Program> WithDocs() => api.WithWebHostBuilder(builder => builder.UseSetting("Docs:Enabled", "true"));

    private async Task<JsonNode> FetchDocumentAsync()
    {
        using var factory = WithDocs();
        return await FetchDocumentAsync(factory);
    }

    private static async Task<JsonNode> FetchDocumentAsync(WebApplicationFactory<Program> factory)
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>What the app really maps under /api: method, path as OpenAPI writes it, name, token, declared statuses.</summary>
    private static IEnumerable<MappedRoute> MappedRoutes(WebApplicationFactory<Program> factory) =>
        from endpoint in factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        let path = RouteParameter().Replace("/" + endpoint.RoutePattern.RawText!.Trim('/'), "{$1}")
        where path.StartsWith("/api/", StringComparison.Ordinal)
        from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []
        select new MappedRoute(
            method.ToLowerInvariant(),
            path,
            endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName,
            endpoint.Metadata.GetMetadata<EndpointConventions.TokenRequired>() is not null,
            [.. endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>().Select(produces => produces.StatusCode).Where(status => status >= 400)]);

    private static IEnumerable<Operation> Operations(JsonNode document) =>
        from path in document["paths"]!.AsObject()
        from method in path.Value!.AsObject()
        select new Operation(
            method.Key,
            path.Key,
            method.Value!["responses"]!.AsObject().Select(response => response.Key).Single(status => status.StartsWith('2')),
            method.Value["security"] is JsonArray { Count: > 0 });

    /// <summary>
    /// The contract's operations, read from ../shared/realworld/openapi.yml by indentation (paths at
    /// two spaces, methods at four, their keys at six, status codes at eight), with its /api server prefix.
    /// </summary>
    private static List<Operation> ContractOperations()
    {
        var lines = File.ReadAllLines(Repository.ContractFile("openapi.yml"));
        var operations = new List<Operation>();
        string? path = null;
        string? method = null;
        string? success = null;
        var secured = false;
        var inPaths = false;
        var inResponses = false;

        void Flush()
        {
            if (path is not null && method is not null)
            {
                operations.Add(new Operation(method, "/api" + path, success ?? "none", secured));
            }

            method = null;
            success = null;
            secured = false;
        }

        foreach (var line in lines)
        {
            var indent = line.Length - line.TrimStart().Length;
            var text = line.Trim();
            if (indent == 0 && text.Length > 0)
            {
                Flush();
                inPaths = text == "paths:";
                path = null;
                continue;
            }

            if (!inPaths || text.Length == 0)
            {
                continue;
            }

            if (indent == 2 && text.StartsWith('/'))
            {
                Flush();
                path = text.TrimEnd(':');
            }
            else if (indent == 4 && Methods.Contains(text.TrimEnd(':')))
            {
                Flush();
                method = text.TrimEnd(':');
            }
            else if (indent == 6)
            {
                inResponses = text == "responses:";
                secured |= text == "security:";
            }
            else if (indent == 8 && inResponses && StatusPattern().Match(text) is { Success: true } status && status.Groups[1].Value.StartsWith('2'))
            {
                success = status.Groups[1].Value;
            }
        }

        Flush();
        operations.Should().HaveCountGreaterThan(15, "the contract file should have been parsed");
        return operations;
    }

    [GeneratedRegex("""^['"]?(\d{3})['"]?:""")]
    private static partial Regex StatusPattern();

    /// <summary>{id:long}, {slug?}, {*rest} → {id}, {slug}, {rest}: OpenAPI paths carry only the names.</summary>
    [GeneratedRegex(@"\{\*{0,2}([^}:?=]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    private sealed record MappedRoute(string Method, string Path, string? Name, bool NeedsToken, int[] Statuses);

    private sealed record Operation(string Method, string Path, string Success, bool Secured);
}
