using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Paging;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>The audit log, newest first: who did what to which target, why and when; filtered by actor and action.</summary>
public static class ListAudit
{
    public sealed record Query(string? Actor, string? Action, int? Limit, int? Offset) : IQuery<AuditEnvelope>, IRequireRole
    {
        public Role RequiredRole => Role.Moderator;
    }

    public sealed record AuditEnvelope(IReadOnlyList<AuditEntry> Entries, long EntriesCount);

    public sealed record AuditEntry(long Id, string Actor, string Action, string Target, string? Reason, DateTime CreatedAt);

    internal sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(query => query.Actor).MaxChars(64).SingleLine().OverridePropertyName("actor");
            RuleFor(query => query.Action).MaxChars(64).SingleLine().OverridePropertyName("action");
            PageRules.Apply(this, query => query.Limit, query => query.Offset);
        }
    }

    internal sealed class Handler(NpgsqlDataSource db) : IQueryHandler<Query, AuditEnvelope>
    {
        // One fixed statement per combination of filters, each served by its index (audit_log_created_idx,
        // audit_log_actor_created_idx, audit_log_action_created_idx); count and page in one round trip.
        private const string ByActor = "actor_id = (SELECT id FROM users WHERE lower(username) = lower(@Actor))";
        private const string ByAction = "action = @Action";

        private static readonly string[] Sql = [.. Enumerable.Range(0, 4).Select(mask =>
        {
            string[] all = [ByActor, ByAction];
            var chosen = all.Where((_, bit) => (mask & (1 << bit)) != 0).ToArray();
            var where = chosen.Length == 0 ? "" : "WHERE " + string.Join(" AND ", chosen);
            return $"""
                SELECT count(*) FROM audit_log {where};
                SELECT id, actor, action, target, reason, created_at FROM audit_log {where}
                ORDER BY created_at DESC, id DESC LIMIT @Limit OFFSET @Offset
                """;
        })];

        public async ValueTask<AuditEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            var mask = (string.IsNullOrEmpty(query.Actor) ? 0 : 1) | (string.IsNullOrEmpty(query.Action) ? 0 : 2);
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
                Sql[mask],
                new { query.Actor, query.Action, Limit = query.Limit ?? PageRules.DefaultPageSize, Offset = query.Offset ?? 0 },
                cancellationToken: cancellationToken));
            var count = await results.ReadSingleAsync<long>();
            var entries = await results.ReadAsync<AuditEntry>();
            return new AuditEnvelope([.. entries], count);
        }
    }
}
