using Conduit.Features.Shared;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Caching;
using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Errors;
using Dapper;
using Mediator;

namespace Conduit.Features.Profiles;

public static class GetProfile
{
    public sealed record Query(string Username) : IQuery<ProfileEnvelope>;

    /// <summary>The profile as anyone sees it (not following): cached, shared by every viewer.</summary>
    public sealed record Public(string Username) : IQuery<PublicProfile>, ICachedQuery
    {
        public string CacheKey => $"profile:{Username.ToUpperInvariant()}";
    }

    public sealed record PublicProfile(long Id, ProfileEnvelope Envelope) : ICachedResult
    {
        IEnumerable<string> ICachedResult.DependsOn => [CacheTags.Profile(Id)];
    }

    internal sealed class Handler(ISender sender, ReadDatabase reads, ICurrentUser user) : IQueryHandler<Query, ProfileEnvelope>
    {
        public async ValueTask<ProfileEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            var found = await sender.Send(new Public(query.Username), cancellationToken);
            if (user.Id is not { } viewer)
            {
                return found.Envelope;
            }

            var following = await Following.AmongAsync(reads.Source, viewer, [found.Id], cancellationToken);
            return new ProfileEnvelope(found.Envelope.Profile with { Following = following.Contains(found.Id) });
        }
    }

    internal sealed class PublicHandler(ReadDatabase reads) : IQueryHandler<Public, PublicProfile>
    {
        private const string Sql = "SELECT id, username, bio, image FROM users WHERE lower(username) = lower(@Username)";

        public async ValueTask<PublicProfile> Handle(Public query, CancellationToken cancellationToken)
        {
            await using var connection = await reads.Source.OpenConnectionAsync(cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Sql, new { query.Username }, cancellationToken: cancellationToken));
            return row is null
                ? throw ApiException.NotFound("profile")
                : new PublicProfile(row.Id, new ProfileEnvelope(new Profile(row.Username, row.Bio, row.Image, Following: false)));
        }

        private sealed record Row(long Id, string Username, string? Bio, string? Image);
    }
}
