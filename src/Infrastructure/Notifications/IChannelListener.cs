namespace Conduit.Infrastructure.Notifications;

/// <summary>
/// Memory that mirrors PostgreSQL state and is kept current by <c>NOTIFY</c> on <see cref="Channel"/>
/// (register as a singleton <see cref="IChannelListener"/>). Notifications sent while this instance was not
/// listening are lost: <see cref="OnConnected"/> runs on every (re)connection, after LISTEN and before any
/// notification is delivered, and must rebuild or flush the mirror; between <see cref="OnDisconnected"/>
/// and that, the mirror must not be trusted.
/// </summary>
public interface IChannelListener
{
    string Channel { get; }

    /// <summary>Called on the listener's single thread, in commit order; must be quick and must not throw.</summary>
    void OnNotification(string payload);

    Task OnConnected(CancellationToken cancellationToken);

    void OnDisconnected();
}
