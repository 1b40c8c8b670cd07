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
}

/// <summary>
/// The caller's current role, read on every privileged request (a demotion or a suspension applies to the very next
/// one, on every instance, with no role cached in tokens). Roles are stored by the Admin area (src/Features/Admin).
/// </summary>
public interface IRoleLookup
{
    /// <summary>The user's current role; null when they do not exist or are suspended.</summary>
    Task<Role?> OfAsync(long userId, CancellationToken cancellationToken);
}
