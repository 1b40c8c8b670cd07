using Conduit.Infrastructure.Auth;
using Mediator;
using Npgsql;

namespace Conduit.Features.Profiles;

public static class FollowProfile
{
    public sealed record Command(string Username) : ICommand<ProfileEnvelope>, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command, ProfileEnvelope>
    {
        // One round trip, one implicit transaction: the write, then the profile as the follower now sees it.
        // Following twice is a no-op; following yourself is ignored (the table forbids it).
        private const string Sql = $"""
            INSERT INTO follows (follower_id, followee_id)
            SELECT @Viewer, u.id FROM users u
            WHERE lower(u.username) = lower(@Username) AND u.id <> @Viewer
            ON CONFLICT DO NOTHING;
            {ProfileSql.ByUsername}
            """;

        public async ValueTask<ProfileEnvelope> Handle(Command command, CancellationToken cancellationToken) =>
            await ProfileSql.ReadAsync(db, Sql, command.Username, user.RequiredId, cancellationToken);
    }
}
