using Dapper;
using Npgsql;

namespace Conduit.Features.Shared;

/// <summary>
/// The viewer's own part of a cached answer: which of the people shown the viewer follows. One indexed
/// probe (the follows primary key) for the ids on the page, instead of the whole read per viewer.
/// </summary>
internal static class Following
{
    public const string AmongSql = "ARRAY(SELECT followee_id FROM follows WHERE follower_id = @Viewer AND followee_id = ANY(@People))";

    public static async Task<HashSet<long>> AmongAsync(NpgsqlDataSource db, long viewer, long[] people, CancellationToken cancellationToken)
    {
        if (people.Length == 0)
        {
            return [];
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var followed = await connection.ExecuteScalarAsync<long[]>(new CommandDefinition($"SELECT {AmongSql}", new { Viewer = viewer, People = people }, cancellationToken: cancellationToken));
        return [.. followed ?? []];
    }
}
