using Carter;
using Conduit.Infrastructure.Http;
using Mediator;

namespace Conduit.Features.Tags;

public sealed class TagsModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/tags", async (ISender sender, CancellationToken ct) =>
                Answer.Ok(await sender.Send(new ListTags.Query(), ct)))
            .WithTags("Tags").WithName(nameof(ListTags));
}
