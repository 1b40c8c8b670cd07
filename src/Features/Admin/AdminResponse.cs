using Conduit.Features.Shared;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>A user as moderators see them (never the password hash).</summary>
public sealed record AdminUser(string Username, string Email, string Role, bool Suspended);

public sealed record AdminUserEnvelope(AdminUser User);

/// <summary>The body of every moderation action that takes a reason.</summary>
public sealed record ReasonBody(string? Reason);

/// <summary>Rules and SQL the moderation use cases share.</summary>
internal static class AdminRules
{
    public const int MaxReason = 1000;

    public static IRuleBuilderOptions<T, string?> Reason<T>(IRuleBuilder<T, string?> rule) =>
        rule.NotBlank().Must(reason => reason is null || !string.IsNullOrWhiteSpace(reason)).WithMessage("can't be blank")
            .MaxChars(MaxReason).NoControlCharacters();

    /// <summary>
    /// Serialises the changes that decide "is this the last admin?" (suspensions, reinstatements, role changes)
    /// within the transaction: two admins suspending each other at once cannot both succeed.
    /// </summary>
    public static readonly string LockPrivilegedSql = $"SELECT pg_advisory_xact_lock({LockKeys.PrivilegedRoles});";

    /// <summary>The user a moderation action targets, locked, with what the rules about them need (and the actor's role).</summary>
    private const string TargetSql = """
        SELECT id, username, email, role, suspended_at IS NOT NULL AS suspended,
               (SELECT count(*) FROM users WHERE role = 'admin' AND suspended_at IS NULL) AS active_admins,
               (SELECT role FROM users WHERE id = @Actor) AS actor_role
        FROM users WHERE lower(username) = lower(@Username)
        FOR UPDATE
        """;

    /// <summary>
    /// Who may act on whom: only on a strictly lower role (a moderator on users, an admin on moderators and users),
    /// except that admins act on admins, which the last-admin rule bounds. The actor holds at least moderator
    /// (<see cref="IRequireRole"/>), so this is the same as the SQL predicate of <see cref="MayActOnAuthorSql"/>.
    /// </summary>
    public static bool MayActOn(string actorRole, string targetRole) => actorRole == "admin" || targetRole == "user";

    /// <summary>
    /// <see cref="MayActOn"/> for content: the author's role is <c>author_role</c>, the actor's <c>actor_role</c>;
    /// everyone may act on their own content.
    /// </summary>
    public const string MayActOnAuthorSql = "(actor_role = 'admin' OR author_role = 'user' OR author_id = @Actor)";

    /// <summary>
    /// The target of an action on an account, locked in <paramref name="transaction"/>: 404 when unknown; when the
    /// actor may not act on them, the refusal is logged (<c>&lt;action&gt;_refused</c>), committed and answered 403.
    /// </summary>
    public static async Task<Target> TargetAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long actor, string username, string action, string? reason, CancellationToken cancellationToken)
    {
        var target = await connection.QuerySingleOrDefaultAsync<Target>(new CommandDefinition(
            TargetSql, new { Username = username, Actor = actor }, transaction, cancellationToken: cancellationToken))
            ?? throw ApiException.NotFound("user");
        // Acting on yourself is for each action's own rules (suspending yourself is 422, not 403).
        if (target.Id == actor || MayActOn(target.ActorRole, target.Role))
        {
            return target;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            AuditLog.AppendSql, new { Actor = actor, Action = $"{action}_refused", Target = $"user:{target.Username}", Reason = reason }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        throw ApiException.Forbidden("user");
    }

    internal sealed record Target(long Id, string Username, string Email, string Role, bool Suspended, long ActiveAdmins, string ActorRole)
    {
        public bool IsLastActiveAdmin => Role == "admin" && !Suspended && ActiveAdmins <= 1;

        public AdminUserEnvelope With(string? role = null, bool? suspended = null) =>
            new(new AdminUser(Username, Email, role ?? Role, suspended ?? Suspended));
    }
}
