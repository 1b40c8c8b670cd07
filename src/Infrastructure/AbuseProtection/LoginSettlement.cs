namespace Conduit.Infrastructure.AbuseProtection;

/// <summary>
/// A login in progress whose lease a success must return (<see cref="Throttle.ReleaseSql"/>). Starting the
/// session is the one write every successful sign-in makes, so <see cref="Auth.Sessions"/> sends the release
/// in that same round trip: a successful login costs one round trip more than without abuse protection (the
/// admission), not two. Whatever does not start a session (a refresh) is settled by the behaviour itself.
/// </summary>
public sealed class LoginSettlement(string[] keys, string resetKey)
{
    private static readonly AsyncLocal<LoginSettlement?> Pending = new();

    public string[] Keys { get; } = keys;

    public string ResetKey { get; } = resetKey;

    public bool Settled { get; private set; }

    /// <summary>The login of the current request flow that still needs settling, if any.</summary>
    public static LoginSettlement? Current => Pending.Value is { Settled: false } pending ? pending : null;

    internal static void Begin(LoginSettlement settlement) => Pending.Value = settlement;

    public void MarkSettled() => Settled = true;
}
