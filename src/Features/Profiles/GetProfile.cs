using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Auth;
using Mediator;

namespace Conduit.Features.Profiles;

public static class GetProfile
{
    public sealed record Query(string Username) : IQuery<ProfileEnvelope>;

    internal sealed class Handler(ReadDatabase reads, ICurrentUser user) : IQueryHandler<Query, ProfileEnvelope>
    {
        public async ValueTask<ProfileEnvelope> Handle(Query query, CancellationToken cancellationToken) =>
            await ProfileSql.ReadAsync(reads.Source, ProfileSql.ByUsername, query.Username, user.Id, cancellationToken);
    }
}
