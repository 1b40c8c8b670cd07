using Carter;
using Conduit.Infrastructure.Http;
using Mediator;

namespace Conduit.Features.Tags;

public sealed class TagsModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tags").WithTags("Tags");

        group.MapGet("", async (ISender sender, CancellationToken ct) =>
                Answer.Ok(await sender.Send(new ListTags.Query(), ct)))
            .WithName(nameof(ListTags));

        // conduit-slice: routes (dotnet new conduit-slice inserts the routes it generates above this line)
    }
}
