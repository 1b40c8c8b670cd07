using Conduit.Infrastructure.Auth;
using Dapper;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>What <see cref="IRoleLookup"/> answers: <c>users.role</c> (migration 0010) of a user who is not suspended.</summary>
internal sealed class RoleLookup(NpgsqlDataSource db) : IRoleLookup
{
    // From the primary on every privileged request: rare next to the public reads.
    private const string Sql = "SELECT role FROM users WHERE id = @Id AND suspended_at IS NULL";

    public async Task<Role?> OfAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return Roles.Parse(await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(Sql, new { Id = userId }, cancellationToken: cancellationToken)));
    }
}
