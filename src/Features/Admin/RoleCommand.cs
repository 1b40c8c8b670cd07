using Conduit.Infrastructure.Auth;
using Dapper;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>
/// <c>--grant admin|moderator &lt;email&gt;</c> and <c>--revoke [admin|moderator] &lt;email&gt;</c> (back to
/// <c>user</c>): how the first admin is made, by whoever can run the API against its database, never through an
/// endpoint. The change is written to the audit log like any other, with the actor "command line".
/// </summary>
public sealed record RoleCommand(Role Role, string Email)
{
    public const string Actor = "command line";

    // Decides and acts in one statement: the user's previous role, or no row when the email is unknown.
    private const string Sql = $"""
        WITH target AS (SELECT id, username, role FROM users WHERE lower(email) = lower(@Email) FOR UPDATE),
             changed AS (UPDATE users u SET role = @Role FROM target t WHERE u.id = t.id RETURNING u.id),
             logged AS ({AuditLog.Insert}
                        SELECT NULL, @Actor, 'role', 'user:' || t.username, 'role ' || t.role || ' -> ' || @Role FROM target t)
        SELECT username, role AS previous FROM target
        """;

    /// <summary>The role command in <paramref name="args"/>, or null when there is none.</summary>
    public static RoleCommand? Parse(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var rest = args.Skip(i + 1).Take(2).ToArray();
            if (args[i] == "--grant")
            {
                return rest.Length == 2 && Roles.Parse(rest[0]) is { } role and not Role.User
                    ? new RoleCommand(role, rest[1])
                    : throw new InvalidOperationException("usage: --grant admin|moderator <email>");
            }

            if (args[i] == "--revoke")
            {
                return rest switch
                {
                    [var role, var email] when Roles.Parse(role) is Role.Admin or Role.Moderator => new RoleCommand(Role.User, email),
                    [var email, ..] when Roles.Parse(email) is null && !email.StartsWith("--", StringComparison.Ordinal) => new RoleCommand(Role.User, email),
                    _ => throw new InvalidOperationException("usage: --revoke [admin|moderator] <email>"),
                };
            }
        }

        return null;
    }

    public async Task<int> RunAsync(NpgsqlDataSource db, TextWriter output, TextWriter errors)
    {
        await using var connection = await db.OpenConnectionAsync();
        var found = await connection.QuerySingleOrDefaultAsync<Changed>(
            new CommandDefinition(Sql, new { Email, Role = Roles.Name(Role), Actor }));
        if (found is not { } user)
        {
            await errors.WriteLineAsync($"Conduit: no user has the email {Email}");
            return 2;
        }

        await output.WriteLineAsync($"Conduit: {user.Username} is now {Roles.Name(Role)} (was {user.Previous})");
        return 0;
    }

    private sealed record Changed(string Username, string Previous);
}
