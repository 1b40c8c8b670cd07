namespace Conduit.Features.Admin;

/// <summary>
/// The one writer of <c>audit_log</c> (migration 0010; append-only, enforced by triggers). Every entry is written in
/// the statement or transaction of the action it records: an action is never done without its entry, nor logged
/// without being done. Refusals are logged as <c>&lt;action&gt;_refused</c>.
/// </summary>
internal static class AuditLog
{
    /// <summary>The head of every entry's insert: a <c>SELECT</c> of actor id, actor name, action, target and reason follows.</summary>
    public const string Insert = "INSERT INTO audit_log (actor_id, actor, action, target, reason)";

    /// <summary>An entry by the signed-in actor (parameters <c>@Actor</c>, <c>@Action</c>, <c>@Target</c>, <c>@Reason</c>).</summary>
    public const string AppendSql = $"{Insert} SELECT id, username, @Action, @Target, @Reason FROM users WHERE id = @Actor";
}
