using Carter;
using Conduit.Infrastructure.AbuseProtection;
using Conduit.Infrastructure.Http;
using Conduit.Infrastructure.Idempotency;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Conduit.Features.Users;

public sealed class UsersModule : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Users");

        group.MapPost("/users", async (RegisterUser.Command command, ISender sender, CancellationToken ct) =>
                TypedResults.Created("/api/user", await sender.Send(command, ct)))
            .WithName(nameof(RegisterUser)).WithErrors(409, 422).WithAbuseProtection().ReplayedWhile<RegisterUser.SessionStillActive>();

        group.MapPost("/users/login", async (LoginUser.Command command, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(command, ct)))
            .WithName(nameof(LoginUser)).WithErrors(401, 422).WithAbuseProtection().NeverReplayed();

        group.MapPost("/users/refresh", async (RefreshSession.Command command, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(command, ct)))
            .WithName(nameof(RefreshSession)).WithErrors(401, 422).WithAbuseProtection().NeverReplayed()
            .WithDescription("Body `{\"refreshToken\":\"...\"}`. Answers like login with a new `token` and a new `refreshToken` (the old one is spent; "
                + "presented again within Sessions:RefreshReuseInterval it returns the same successor, later it ends the session). 401 `refreshToken: is invalid`.");

        group.MapPost("/users/logout", async (ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new Logout.Command(), ct);
                return TypedResults.NoContent();
            })
            .WithName(nameof(Logout)).RequiresToken()
            .WithDescription("Ends the current session: its access and refresh tokens are refused on every instance within a second.");

        group.MapGet("/user/sessions", async (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListSessions.Query(), ct)))
            .WithName(nameof(ListSessions)).RequiresToken()
            .WithDescription("The caller's usable sessions, most recently seen first; `current` marks the one of this token.");

        group.MapDelete("/user/sessions/{id}", async (Guid id, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new EndSession.Command(id), ct);
                return TypedResults.NoContent();
            })
            .WithName(nameof(EndSession)).RequiresToken().WithErrors(404, 422)
            .WithDescription("Ends one of the caller's sessions; another user's session is 404 `session: not found`, like an unknown one.");

        group.MapDelete("/user/sessions", async (ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new EndOtherSessions.Command(), ct);
                return TypedResults.NoContent();
            })
            .WithName(nameof(EndOtherSessions)).RequiresToken()
            .WithDescription("Ends every session of the caller except the current one.");

        group.MapGet("/user", async (ISender sender, CancellationToken ct) =>
            {
                var current = await sender.Send(new GetCurrentUser.Query(), ct);
                return Answer.Ok(current, current.ETag);
            })
            .WithName(nameof(GetCurrentUser)).RequiresToken();

        group.MapPut("/user", async (UpdateUser.Command command, [FromHeader(Name = "If-Match")] string? ifMatch, ISender sender, HttpResponse response, CancellationToken ct) =>
            {
                var updated = await sender.Send(command with { Expected = IfMatch.Parse(ifMatch) }, ct);
                response.Headers.ETag = updated.ETag;
                return TypedResults.Ok(updated);
            })
            .WithName(nameof(UpdateUser)).RequiresToken().WithErrors(409, 412, 422);

        // conduit-slice: routes (dotnet new conduit-slice inserts the routes it generates above this line)
    }
}
