using Carter;
using Conduit.Infrastructure.Http;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Conduit.Features.Admin;

/// <summary>Moderation. Every use case here is marked <c>IRequireRole</c>: the pipeline answers 403 to anyone without the role.</summary>
public sealed class AdminModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Admin");

        group.MapGet("/users", async (string? q, int? limit, int? offset, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListUsers.Query(q, limit, offset), ct)))
            .WithName(nameof(ListUsers)).RequiresToken().WithErrors(403, 422);

        group.MapPost("/users/{username}/suspend", async (string username, [FromBody] ReasonBody? body, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new SuspendUser.Command(username, body?.Reason), ct)))
            .WithName(nameof(SuspendUser)).RequiresToken().WithErrors(403, 404, 422);

        group.MapPost("/users/{username}/reinstate", async (string username, [FromBody] ReasonBody? body, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ReinstateUser.Command(username, body?.Reason), ct)))
            .WithName(nameof(ReinstateUser)).RequiresToken().WithErrors(403, 404, 422);

        group.MapPut("/users/{username}/role", async (string username, [FromBody] ChangeRole.Body? body, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ChangeRole.Command(username, body?.Role), ct)))
            .WithName(nameof(ChangeRole)).RequiresToken().WithErrors(403, 404, 422);

        group.MapDelete("/articles/{slug}", async (string slug, [FromBody] ReasonBody? body, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new RemoveArticle.Command(slug, body?.Reason), ct);
                return TypedResults.NoContent();
            })
            .WithName(nameof(RemoveArticle)).RequiresToken().WithErrors(403, 404, 422);

        group.MapDelete("/articles/{slug}/comments/{id}", async (string slug, long id, [FromBody] ReasonBody? body, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new RemoveComment.Command(slug, id, body?.Reason), ct);
                return TypedResults.NoContent();
            })
            .WithName(nameof(RemoveComment)).RequiresToken().WithErrors(403, 404, 422);

        group.MapGet("/audit", async (string? actor, string? action, int? limit, int? offset, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListAudit.Query(actor, action, limit, offset), ct)))
            .WithName(nameof(ListAudit)).RequiresToken().WithErrors(403, 422);

        // conduit-slice: routes (dotnet new conduit-slice inserts the routes it generates above this line)
    }
}
