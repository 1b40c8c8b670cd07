using Conduit.Infrastructure.Auth;
using Mediator;
using Npgsql;

namespace Conduit.Features.Profiles;

public static class GetProfile
{
    public sealed record Query(string Username) : IQuery<ProfileEnvelope>;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : IQueryHandler<Query, ProfileEnvelope>
    {
        public async ValueTask<ProfileEnvelope> Handle(Query query, CancellationToken cancellationToken) =>
            await ProfileSql.ReadAsync(db, ProfileSql.ByUsername, query.Username, user.Id, cancellationToken);
    }
}
