using Conduit.Features.Shared;
using Conduit.Infrastructure.Caching;
using Conduit.Infrastructure.Database;
using Dapper;
using Mediator;

namespace Conduit.Features.Tags;

public static class ListTags
{
    /// <summary>The same for every viewer: answered from the read cache until a tag's use changes.</summary>
    public sealed record Query : IQuery<TagsEnvelope>, ICachedQuery
    {
        public string CacheKey => "tags";
    }

    public sealed record TagsEnvelope(IReadOnlyList<string> Tags) : ICachedResult
    {
        IEnumerable<string> ICachedResult.DependsOn => [CacheTags.TagsInUse];
    }

    internal sealed class Handler(ReadDatabase reads) : IQueryHandler<Query, TagsEnvelope>
    {
        // Every tag still in use, alphabetically; a tag whose last article is gone is not listed.
        // The in-use flag is kept by triggers (migration 0014); tags_in_use_idx holds these names in order.
        private const string Sql = "SELECT name FROM tags WHERE in_use ORDER BY name";

        public async ValueTask<TagsEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await reads.Source.OpenConnectionAsync(cancellationToken);
            var tags = await connection.QueryAsync<string>(new CommandDefinition(Sql, cancellationToken: cancellationToken));
            return new TagsEnvelope([.. tags]);
        }
    }
}
