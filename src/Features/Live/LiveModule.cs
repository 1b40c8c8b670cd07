using Carter;
using Conduit.Infrastructure.Http;
using Conduit.Features.Live.Streams;
using Mediator;

namespace Conduit.Features.Live;

/// <summary>Live updates as server-sent events (README "Live updates").</summary>
public sealed class LiveModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Live");

        group.MapGet("/articles/{slug}/comments/live", async (string slug, ISender sender, CancellationToken ct) =>
                LiveUpdates.Of(await sender.Send(new StreamComments.Query(slug), ct)))
            .WithName(nameof(StreamComments)).WithErrors(404, 429, 503)
            .WithDescription("Server-sent events `comment.added` {comment} and `comment.deleted` {comment:{id}} on the article; "
                + "`Last-Event-ID` resumes; `reset` means reload. Comments are shown as anyone sees them.");

        group.MapGet("/user/live", async (string? ticket, ISender sender, CancellationToken ct) =>
                LiveUpdates.Of(await sender.Send(new StreamActivity.Query(ticket), ct)))
            .WithName(nameof(StreamActivity)).WithMetadata(new EndpointConventions.TokenRequired()).WithErrors(401, 429, 503)
            .WithDescription("Server-sent events of the signed-in user: `article.published` {article}, `comment.added` {comment, article}, "
                + "`article.favorited` {article, profile}, `follower.added` {profile}. Token in `Authorization` or `?ticket=` (single use).");

        group.MapPost("/user/live/ticket", async (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new IssueStreamTicket.Command(), ct)))
            .WithName(nameof(IssueStreamTicket)).RequiresToken()
            .WithDescription("A single-use ticket for `GET /api/user/live?ticket=...` (EventSource cannot send headers); expires in `expiresIn` seconds.");

        // conduit-slice: routes (dotnet new conduit-slice inserts the routes it generates above this line)
    }
}
