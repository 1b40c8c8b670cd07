using Dapper;
using Npgsql;

namespace Conduit.Infrastructure.Auth;

/// <summary>What a user may do beyond their own content; stored in <c>users.role</c> (migration 0010).</summary>
public enum Role
{
    User = 0,
    Moderator = 1,
    Admin = 2,
}

/// <summary>
/// Marks a request only a user holding <see cref="RequiredRole"/> (or a higher one) may send;
/// <see cref="Pipeline.RoleBehaviour{TMessage, TResponse}"/> enforces it, so no handler checks roles.
/// </summary>
public interface IRequireRole : IAuthenticated
{
    Role RequiredRole { get; }
}

public static class Roles
{
    /// <summary>The names stored in the database and sent on the wire.</summary>
    public static string Name(Role role) => role switch
    {
        Role.Admin => "admin",
        Role.Moderator => "moderator",
        _ => "user",
    };

    public static Role? Parse(string? name) => name switch
    {
        "admin" => Role.Admin,
        "moderator" => Role.Moderator,
        "user" => Role.User,
        _ => null,
    };

    // Read from the primary on every privileged request (rare next to the public reads): a demotion or a
    // suspension applies to the very next request on every instance, with no role cached in tokens.
    private const string RoleSql = "SELECT role FROM users WHERE id = @Id AND suspended_at IS NULL";

    /// <summary>The user's current role; null when they do not exist or are suspended.</summary>
    public static async Task<Role?> OfAsync(NpgsqlDataSource db, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var name = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(RoleSql, new { Id = userId }, cancellationToken: cancellationToken));
        return Parse(name);
    }
}
