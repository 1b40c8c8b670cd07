using Conduit.Infrastructure.Validation;
using FluentValidation;

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
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;

    public static IRuleBuilderOptions<T, string?> Reason<T>(IRuleBuilder<T, string?> rule) =>
        rule.NotBlank().Must(reason => reason is null || !string.IsNullOrWhiteSpace(reason)).WithMessage("can't be blank")
            .MaxChars(MaxReason).NoControlCharacters();

    public static void Paging<T>(AbstractValidator<T> validator, Func<T, int?> limit, Func<T, int?> offset)
    {
        validator.RuleFor(request => limit(request)).InclusiveBetween(1, MaxPageSize)
            .WithMessage($"must be between 1 and {MaxPageSize}").OverridePropertyName("limit");
        validator.RuleFor(request => offset(request)).GreaterThanOrEqualTo(0)
            .WithMessage("must not be negative").OverridePropertyName("offset");
    }

    /// <summary>
    /// Serialises the changes that decide "is this the last admin?" (suspensions, reinstatements, role changes)
    /// within the transaction: two admins suspending each other at once cannot both succeed.
    /// </summary>
    public const string LockPrivilegedSql = "SELECT pg_advisory_xact_lock(7235001);";

    /// <summary>
    /// Appends to the audit log in the action's own statement or transaction (<c>@Actor</c>, <c>@Action</c>,
    /// <c>@Target</c>, <c>@Reason</c>): an action is never done without its entry, nor logged without being done.
    /// </summary>
    public const string AuditSql = """
        INSERT INTO audit_log (actor_id, actor, action, target, reason)
        SELECT id, username, @Action, @Target, @Reason FROM users WHERE id = @Actor
        """;

    /// <summary>The user a moderation action targets, locked, with what the rules about them need.</summary>
    public const string TargetSql = """
        SELECT id, username, email, role, suspended_at IS NOT NULL AS suspended,
               (SELECT count(*) FROM users WHERE role = 'admin' AND suspended_at IS NULL) AS active_admins
        FROM users WHERE lower(username) = lower(@Username)
        FOR UPDATE
        """;

    internal sealed record Target(long Id, string Username, string Email, string Role, bool Suspended, long ActiveAdmins)
    {
        public bool IsLastActiveAdmin => Role == "admin" && !Suspended && ActiveAdmins <= 1;

        public AdminUserEnvelope With(string? role = null, bool? suspended = null) =>
            new(new AdminUser(Username, Email, role ?? Role, suspended ?? Suspended));
    }
}
