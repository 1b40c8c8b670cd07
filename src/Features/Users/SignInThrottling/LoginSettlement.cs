using Conduit.Infrastructure.AbuseProtection;

namespace Conduit.Features.Users.SignInThrottling;

/// <summary>
/// A login in progress whose lease a success must return (<see cref="Throttle.ReleaseSql"/>). Starting the
/// session is the one write every successful sign-in makes, so <see cref="Sessions.SessionIssuer"/> sends the release
/// in that same round trip: a successful login costs one round trip more than without abuse protection (the
/// admission), not two. If no session starts, the behaviour settles it itself.
/// The flow-local value (an <see cref="AsyncLocal{T}"/>, one of three in the code; the others carry a request's
/// read route and write position, src/Infrastructure/Database) is set in one place,
/// <see cref="AbuseProtectionBehaviour{TMessage, TResponse}"/>, before the handler runs, and read in one place,
/// <see cref="Sessions.SessionIssuer.StartAsync"/>; both are in this area, so the handler in between never sees it.
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
