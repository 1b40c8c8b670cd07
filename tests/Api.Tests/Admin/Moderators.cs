using Conduit.Tests.Infrastructure;
using Dapper;

namespace Conduit.Tests.Admin;

/// <summary>Gives test users a role directly in the database (what <c>--grant</c> does; RoleCommandTests covers the command).</summary>
internal static class Moderators
{
    public static async Task<TestUser> WithRoleAsync(this ApiFactory api, ConduitClient client, string role)
    {
        var user = await client.RegisterAsync(role);
        await using var connection = await api.OpenDatabaseAsync();
        await connection.ExecuteAsync("UPDATE users SET role = @role WHERE username = @name", new { role, name = user.Username });
        return user;
    }

    public static object Reason(string reason = "spam, reported twice") => new { reason };
}
