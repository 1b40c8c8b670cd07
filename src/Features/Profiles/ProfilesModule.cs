using Carter;
using Conduit.Infrastructure.Http;
using Mediator;

namespace Conduit.Features.Profiles;

public sealed class ProfilesModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/profiles/{username}").WithTags("Profiles");

        group.MapGet("", async (string username, ISender sender, CancellationToken ct) =>
                Answer.Ok(await sender.Send(new GetProfile.Query(username), ct)))
            .WithName(nameof(GetProfile)).WithErrors(404);

        group.MapPost("/follow", async (string username, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new FollowProfile.Command(username), ct)))
            .WithName(nameof(FollowProfile)).RequiresToken().WithErrors(404);

        group.MapDelete("/follow", async (string username, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new UnfollowProfile.Command(username), ct)))
            .WithName(nameof(UnfollowProfile)).RequiresToken().WithErrors(404);

        // conduit-slice: routes (dotnet new conduit-slice inserts the routes it generates above this line)
    }
}
