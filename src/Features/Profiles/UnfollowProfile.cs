using Conduit.Infrastructure.Auth;
using Mediator;
using Npgsql;

namespace Conduit.Features.Profiles;

public static class UnfollowProfile
{
    public sealed record Command(string Username) : ICommand<ProfileEnvelope>, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command, ProfileEnvelope>
    {
        private const string Sql = $"""
            DELETE FROM follows f USING users u
            WHERE f.follower_id = @Viewer AND f.followee_id = u.id AND lower(u.username) = lower(@Username);
            {ProfileSql.ByUsername}
            """;

        public async ValueTask<ProfileEnvelope> Handle(Command command, CancellationToken cancellationToken) =>
            await ProfileSql.ReadAsync(db, Sql, command.Username, user.RequiredId, cancellationToken);
    }
}
