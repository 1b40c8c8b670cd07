using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Operability;

public sealed partial class OpenApiDocumentTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly string[] Methods = ["get", "post", "put", "delete"];

    /// <summary>Sessions (refresh, sign-out, the device list) extend the contract; everything else is the contract's.</summary>
    private static readonly Operation[] SessionOperations =
    [
        new("post", "/api/users/refresh", "200", false),
        new("post", "/api/users/logout", "204", true),
        new("get", "/api/user/sessions", "200", true),
        new("delete", "/api/user/sessions/{id}", "204", true),
        new("delete", "/api/user/sessions", "204", true),
    ];

    /// <summary>Moderation (tag "Admin") extends it too: every operation needs a token (and a role).</summary>
    private static readonly Operation[] AdminOperations =
    [
        new("get", "/api/admin/users", "200", true),
        new("post", "/api/admin/users/{username}/suspend", "200", true),
        new("post", "/api/admin/users/{username}/reinstate", "200", true),
        new("put", "/api/admin/users/{username}/role", "200", true),
        new("delete", "/api/admin/articles/{slug}", "204", true),
        new("delete", "/api/admin/articles/{slug}/comments/{id}", "204", true),
        new("get", "/api/admin/audit", "200", true),
    ];

    /// <summary>Live updates (server-sent events) extend it too; the user stream also takes a ticket instead of the header.</summary>
    private static readonly Operation[] LiveOperations =
    [
        new("get", "/api/articles/{slug}/comments/live", "200", false),
        new("get", "/api/user/live", "200", true),
        new("post", "/api/user/live/ticket", "200", true),
    ];

    [Fact]
    public async Task The_generated_document_has_the_contracts_operations_and_success_statuses_plus_the_session_ones()
    {
        var document = await FetchDocumentAsync();

        var ours = Operations(document).Select(operation => $"{operation.Method} {operation.Path} {operation.Success}");
        var contract = ContractOperations().Concat(SessionOperations).Concat(AdminOperations).Concat(LiveOperations).Select(operation => $"{operation.Method} {operation.Path} {operation.Success}");

        ours.Should().BeEquivalentTo(contract);
    }

    [Fact]
    public async Task The_operations_that_need_a_token_are_the_contracts_and_the_session_ones_and_use_the_Token_scheme()
    {
        var document = await FetchDocumentAsync();

        document["openapi"]!.GetValue<string>().Should().StartWith("3.1");
        document["components"]!["securitySchemes"]!["Token"]!["in"]!.GetValue<string>().Should().Be("header");
        var ours = Operations(document).Where(operation => operation.Secured).Select(operation => $"{operation.Method} {operation.Path}");
        var contract = ContractOperations().Concat(SessionOperations).Concat(AdminOperations).Concat(LiveOperations).Where(operation => operation.Secured).Select(operation => $"{operation.Method} {operation.Path}");
        ours.Should().BeEquivalentTo(contract);
    }

    [Fact]
    public async Task The_moderation_operations_are_tagged_Admin_and_describe_403()
    {
        var document = await FetchDocumentAsync();

        foreach (var operation in AdminOperations)
        {
            var described = document["paths"]![operation.Path]![operation.Method]!;
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

    private async Task<JsonNode> FetchDocumentAsync()
    {
        using var client = api.WithWebHostBuilder(builder => builder.UseSetting("Docs:Enabled", "true")).CreateClient();
        var response = await client.GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

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

    private sealed record Operation(string Method, string Path, string Success, bool Secured);
}
