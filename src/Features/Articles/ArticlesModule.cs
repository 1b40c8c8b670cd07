using Carter;
using Conduit.Infrastructure.Http;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Conduit.Features.Articles;

public sealed class ArticlesModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/articles").WithTags("Articles");

        group.MapGet("", async ([AsParameters] ListArticles.Query query, ISender sender, CancellationToken ct) =>
                Answer.Ok(await sender.Send(query, ct)))
            .WithName(nameof(ListArticles)).WithErrors(422);

        group.MapGet("/feed", async ([AsParameters] ListFeed.Query query, ISender sender, CancellationToken ct) =>
                Answer.Ok(await sender.Send(query, ct)))
            .WithName(nameof(ListFeed)).RequiresToken().WithErrors(422);

        group.MapGet("/{slug}", async (string slug, ISender sender, CancellationToken ct) =>
            {
                var found = await sender.Send(new GetArticle.Query(slug), ct);
                return Answer.Ok(found, found.ETag);
            })
            .WithName(nameof(GetArticle)).WithErrors(404);

        group.MapPost("", async (CreateArticle.Command command, ISender sender, CancellationToken ct) =>
            {
                var created = await sender.Send(command, ct);
                return TypedResults.Created($"/api/articles/{created.Article.Slug}", created);
            })
            .WithName(nameof(CreateArticle)).RequiresToken().WithErrors(422);

        group.MapPut("/{slug}", async (string slug, UpdateArticle.Body body, [FromHeader(Name = "If-Match")] string? ifMatch, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new UpdateArticle.Command(slug, body.Article, IfMatch.Parse(ifMatch)), ct)))
            .WithName(nameof(UpdateArticle)).RequiresToken().WithErrors(403, 404, 412, 422);

        group.MapDelete("/{slug}", async (string slug, [FromHeader(Name = "If-Match")] string? ifMatch, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new DeleteArticle.Command(slug, IfMatch.Parse(ifMatch)), ct);
                return TypedResults.NoContent();
            })
            .WithName(nameof(DeleteArticle)).RequiresToken().WithErrors(403, 404, 412);

        group.MapPost("/{slug}/favorite", async (string slug, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new FavoriteArticle.Command(slug), ct)))
            .WithName(nameof(FavoriteArticle)).RequiresToken().WithErrors(404);

        group.MapDelete("/{slug}/favorite", async (string slug, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new UnfavoriteArticle.Command(slug), ct)))
            .WithName(nameof(UnfavoriteArticle)).RequiresToken().WithErrors(404);

        // conduit-slice: routes (dotnet new conduit-slice inserts the routes it generates above this line)
    }
}
