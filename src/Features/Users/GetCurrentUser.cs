using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using Mediator;
using Npgsql;

namespace Conduit.Features.Users;

public static class GetCurrentUser
{
    public sealed record Query : IQuery<UserEnvelope>, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : IQueryHandler<Query, UserEnvelope>
    {
        private const string Sql = $"SELECT {UserRow.Columns} FROM users WHERE id = @Id";

        public async ValueTask<UserEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(Sql, new { Id = user.RequiredId }, cancellationToken: cancellationToken));

            // A valid token whose user no longer exists is no session at all.
            return row?.ToEnvelope(user.RequiredToken) ?? throw ApiException.Unauthorized("token", "is invalid");
        }
    }
}
