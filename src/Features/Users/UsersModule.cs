using Carter;
using Conduit.Infrastructure.AbuseProtection;
using Conduit.Infrastructure.Http;
using Mediator;

namespace Conduit.Features.Users;

public sealed class UsersModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Users");

        group.MapPost("/users", async (RegisterUser.Command command, ISender sender, CancellationToken ct) =>
                TypedResults.Created("/api/user", await sender.Send(command, ct)))
            .WithName(nameof(RegisterUser)).WithErrors(409, 422).WithAbuseProtection();

        group.MapPost("/users/login", async (LoginUser.Command command, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(command, ct)))
            .WithName(nameof(LoginUser)).WithErrors(401, 422).WithAbuseProtection();

        group.MapGet("/user", async (ISender sender, CancellationToken ct) =>
                Answer.Ok(await sender.Send(new GetCurrentUser.Query(), ct)))
            .WithName(nameof(GetCurrentUser)).RequiresToken();

        group.MapPut("/user", async (UpdateUser.Command command, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(command, ct)))
            .WithName(nameof(UpdateUser)).RequiresToken().WithErrors(409, 422);
    }
}
