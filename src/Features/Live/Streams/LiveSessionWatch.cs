using Conduit.Features.Shared;
using Conduit.Infrastructure.Notifications;

namespace Conduit.Features.Live.Streams;

/// <summary>
/// Ends the streams of sessions that end, on every instance: the same <c>session_revoked</c> notifications
/// the token check mirrors. Revocations missed while the listener was away are looked up on reconnection.
/// </summary>
internal sealed class LiveSessionWatch(LiveHub hub) : IChannelListener
{
    public string Channel => Channels.SessionRevoked;

    public void OnNotification(string payload)
    {
        if (Guid.TryParse(payload, out var id))
        {
            hub.EndSession(id);
        }
    }

    public Task OnConnected(CancellationToken cancellationToken) => hub.EndRevokedAsync(cancellationToken);

    public void OnDisconnected()
    {
    }
}
