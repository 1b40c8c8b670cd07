using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Paging;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>Lists users by username, all or those whose username or email starts with <c>q</c> (case-insensitive).</summary>
public static class ListUsers
{
    public sealed record Query(string? Q, int? Limit, int? Offset) : IQuery<UsersEnvelope>, IRequireRole
    {
        public Role RequiredRole => Role.Moderator;
    }

    public sealed record UsersEnvelope(IReadOnlyList<AdminUser> Users, long UsersCount);

    internal sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(query => query.Q).MaxChars(254).SingleLine().OverridePropertyName("q");
            PageRules.Apply(this, query => query.Limit, query => query.Offset);
        }
    }

    internal sealed class Handler(NpgsqlDataSource db) : IQueryHandler<Query, UsersEnvelope>
    {
        private const string Columns = "username, email, role, suspended_at IS NOT NULL AS suspended";

        // Ordered by users_username_key; a search is two prefix scans (users_username_prefix_idx,
        // users_email_prefix_idx). Count and page in one round trip; two fixed statements, no "@q IS NULL OR".
        private const string AllSql = $"""
            SELECT count(*) FROM users;
            SELECT {Columns} FROM users ORDER BY lower(username) LIMIT @Limit OFFSET @Offset
            """;

        private const string Matching = "(lower(username) LIKE @Prefix OR lower(email) LIKE @Prefix)";

        private const string SearchSql = $"""
            SELECT count(*) FROM users WHERE {Matching};
            SELECT {Columns} FROM users WHERE {Matching} ORDER BY lower(username) LIMIT @Limit OFFSET @Offset
            """;

        public async ValueTask<UsersEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            var search = !string.IsNullOrEmpty(query.Q);
            // LIKE's own wildcards in q are matched literally.
            var prefix = search ? query.Q!.ToLowerInvariant().Replace(@"\", @"\\", StringComparison.Ordinal)
                .Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%" : null;
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
                search ? SearchSql : AllSql,
                new { Prefix = prefix, Limit = query.Limit ?? PageRules.DefaultPageSize, Offset = query.Offset ?? 0 },
                cancellationToken: cancellationToken));
            var count = await results.ReadSingleAsync<long>();
            var users = await results.ReadAsync<AdminUser>();
            return new UsersEnvelope([.. users], count);
        }
    }
}
