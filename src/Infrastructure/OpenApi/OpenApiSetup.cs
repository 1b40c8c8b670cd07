using Conduit.Infrastructure.Http;
using Conduit.Infrastructure.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Conduit.Infrastructure.OpenApi;

public sealed class DocsOptions
{
    public const string Section = "Docs";

    /// <summary>Serve <c>/openapi/v1.json</c> and the Scalar UI at <c>/docs</c>. Default: on in Development only.</summary>
    public bool? Enabled { get; set; }
}

/// <summary>The OpenAPI 3.1 document, generated from the endpoints, described in the contract's own terms.</summary>
public static class OpenApiSetup
{
    private const string TokenScheme = "Token";

    public static IServiceCollection AddConduitOpenApi(this IServiceCollection services)
    {
        services.AddOptions<DocsOptions>().BindConfiguration(DocsOptions.Section);
        services.AddOpenApi(options =>
        {
            // Slices nest their types (CreateArticle.Command, RegisterUser.Command): name schemas after both.
            options.CreateSchemaReferenceId = type => IsOptional(type.Type) ? null
                : OpenApiOptions.CreateDefaultSchemaReferenceId(type) is { } id && type.Type.DeclaringType is { } slice ? slice.Name + id
                : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Conduit API",
                    Version = "1.0.0",
                    Description = "The RealWorld (Conduit) API: users, profiles, articles, comments, tags; plus sessions (refresh-token rotation, sign-out, the device list).",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[TokenScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "Authorization",
                    Description = "`Token <jwt>` (the contract's scheme) or `Bearer <jwt>`, the token from register, login or refresh. "
                        + "Where a token is optional, an invalid, expired or ended one is answered as anonymous with `WWW-Authenticate: Token error=\"invalid_token\"`.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<EndpointConventions.TokenRequired>().Any())
                {
                    operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(TokenScheme, context.Document)] = [] }];
                }

                // Middleware the endpoints do not see: Idempotency-Key on every POST, validators on every GET.
                var method = context.Description.HttpMethod;
                if (method == "POST")
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = "Idempotency-Key",
                        In = ParameterLocation.Header,
                        Description = "1-255 printable ASCII characters, unique per intended effect. A retry with the same key, caller and body gets the "
                            + "first (successful) answer again, with `Idempotent-Replayed: true`; another body or endpoint is 422; a retry while the first "
                            + "runs is 409. Kept 24 h, shared by every instance.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
                    });
                }
                else if (method == "GET")
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = "If-None-Match",
                        In = ParameterLocation.Header,
                        Description = "ETags of representations the client has; a match (weak comparison, `*`) is answered 304 with no body.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    });
                    operation.Responses ??= [];
                    operation.Responses.TryAdd("304", new OpenApiResponse { Description = "Not Modified: the client's copy (If-None-Match) is current." });
                }

                return Task.CompletedTask;
            });
            // Optional<T> is T on the wire and may be left out; timestamps are strings (a custom converter writes them).
            options.AddSchemaTransformer(async (schema, context, cancellationToken) =>
            {
                var type = context.JsonTypeInfo.Type;
                if (IsOptional(type))
                {
                    var inner = await context.GetOrCreateSchemaAsync(type.GetGenericArguments()[0], cancellationToken: cancellationToken);
                    schema.Type = inner.Type;
                    schema.Items = inner.Items;
                }
                else if (type == typeof(DateTime))
                {
                    schema.Type = JsonSchemaType.String;
                }

                foreach (var property in context.JsonTypeInfo.Properties.Where(property => IsOptional(property.PropertyType)))
                {
                    schema.Required?.Remove(property.Name);
                }
            });
        });
        return services;
    }

    private static bool IsOptional(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Optional<>);

    public static WebApplication MapConduitDocs(this WebApplication app)
    {
        var enabled = app.Services.GetRequiredService<IOptions<DocsOptions>>().Value.Enabled ?? app.Environment.IsDevelopment();
        if (enabled)
        {
            app.MapOpenApi();
            app.MapScalarApiReference("/docs", scalar => scalar.WithTitle("Conduit API"));
        }

        return app;
    }
}
