using Conduit.Infrastructure.Database;
using Npgsql;

namespace Conduit.Features.Articles.SearchCounts;

/// <summary>
/// Folds the log of searchable-text changes into the kept search counts (migration 0015), so that a search's
/// count adds only the last few seconds of writes. Any instance may fold; one at a time does, the others skip.
/// </summary>
internal sealed class SearchCountFolding(NpgsqlDataSource db, ILogger<SearchCountFolding> logger) : PeriodicUpkeep(db, logger)
{
    protected override string Work => "folding search count changes";

    protected override string Sql => "SELECT search_counts_fold()";

    protected override TimeSpan Every => TimeSpan.FromSeconds(5);
}
