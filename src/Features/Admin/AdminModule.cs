using Carter;
using Conduit.Infrastructure.Http;
using Mediator;

namespace Conduit.Features.Admin;

/// <summary>Moderation. Every use case here is marked <c>IRequireRole</c>: the pipeline answers 403 to anyone without the role.</summary>
public sealed class AdminModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Admin");

        group.MapPost("/suspenduser", async (SuspendUser.Command command, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(command, ct)))
            .WithName(nameof(SuspendUser)).RequiresToken().WithErrors(422);

        // conduit-slice: routes (dotnet new conduit-slice inserts the routes it generates above this line)
    }
}
