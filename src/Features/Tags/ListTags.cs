using Dapper;
using Mediator;
using Npgsql;

namespace Conduit.Features.Tags;

public static class ListTags
{
    public sealed record Query : IQuery<TagsEnvelope>;

    public sealed record TagsEnvelope(IReadOnlyList<string> Tags);

    internal sealed class Handler(NpgsqlDataSource db) : IQueryHandler<Query, TagsEnvelope>
    {
        // Every tag still in use, alphabetically; a tag whose last article is gone is not listed.
        private const string Sql = """
            SELECT t.name FROM tags t
            WHERE EXISTS (SELECT 1 FROM article_tags at WHERE at.tag_id = t.id)
            ORDER BY t.name
            """;

        public async ValueTask<TagsEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var tags = await connection.QueryAsync<string>(new CommandDefinition(Sql, cancellationToken: cancellationToken));
            return new TagsEnvelope([.. tags]);
        }
    }
}
