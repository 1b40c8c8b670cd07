using Carter;
using Conduit.Infrastructure.Http;
using Mediator;

namespace Conduit.Features.Comments;

public sealed class CommentsModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/articles/{slug}/comments").WithTags("Comments");

        group.MapGet("", async (string slug, int? limit, string? cursor, ISender sender, CancellationToken ct) =>
                Answer.Ok(await sender.Send(new ListComments.Query(slug, limit, cursor), ct)))
            .WithName(nameof(ListComments)).WithErrors(404, 422);

        group.MapPost("", async (string slug, AddComment.Body body, ISender sender, CancellationToken ct) =>
            {
                var added = await sender.Send(new AddComment.Command(slug, body.Comment), ct);
                return TypedResults.Created($"/api/articles/{slug}/comments/{added.Comment.Id}", added);
            })
            .WithName(nameof(AddComment)).RequiresToken().WithErrors(404, 422);

        group.MapDelete("/{id}", async (string slug, long id, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new DeleteComment.Command(slug, id), ct);
                return TypedResults.NoContent();
            })
            .WithName(nameof(DeleteComment)).RequiresToken().WithErrors(403, 404, 422);

        // conduit-slice: routes (dotnet new conduit-slice inserts the routes it generates above this line)
    }
}
