using Conduit.Features.Shared;
using Conduit.Infrastructure.Errors;
using Dapper;
using Npgsql;

namespace Conduit.Features.Profiles;

public sealed record ProfileEnvelope(Profile Profile);

/// <summary>How a profile is read for a viewer (null viewer: anonymous, following is false).</summary>
internal static class ProfileSql
{
    public const string ByUsername = """
        SELECT u.username, u.bio, u.image,
               EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = @Viewer AND f.followee_id = u.id) AS following
        FROM users u
        WHERE lower(u.username) = lower(@Username)
        """;

    /// <summary>Runs <paramref name="sql"/> (ending in <see cref="ByUsername"/>) and returns the profile, or 404.</summary>
    public static async Task<ProfileEnvelope> ReadAsync(NpgsqlDataSource db, string sql, string username, long? viewer, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var profile = await connection.QuerySingleOrDefaultAsync<Profile>(new CommandDefinition(
            sql, new { Username = username, Viewer = viewer }, cancellationToken: cancellationToken));
        return profile is null ? throw ApiException.NotFound("profile") : new ProfileEnvelope(profile);
    }
}
