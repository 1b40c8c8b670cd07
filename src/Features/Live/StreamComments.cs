using Conduit.Infrastructure.Errors;
using Conduit.Features.Live.Streams;
using Dapper;
using Mediator;
using Npgsql;

namespace Conduit.Features.Live;

/// <summary>
/// An article's comments as they are added and deleted; anyone may watch. Unknown or hidden article (its author
/// is suspended): 404 before the stream starts, as everywhere else.
/// </summary>
public static class StreamComments
{
    public sealed record Query(string Slug) : IQuery<LiveSubscription>;

    internal sealed class Handler(NpgsqlDataSource db) : IQueryHandler<Query, LiveSubscription>
    {
        // The primary, not the replica: a stream opened right after the article was created must find it.
        private const string Sql = "SELECT id FROM articles WHERE slug = @Slug AND NOT hidden";

        public async ValueTask<LiveSubscription> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(Sql, new { query.Slug }, cancellationToken: cancellationToken))
                ?? throw ApiException.NotFound("article");
            return new LiveSubscription(LiveTopics.Comments(id));
        }
    }
}
