using Npgsql;

namespace Conduit.Infrastructure.Notifications;

/// <summary>
/// One dedicated connection per instance that LISTENs on every <see cref="IChannelListener"/>'s channel and
/// hands each notification to its listener. A lost connection (database restart, network) is reopened every
/// second; listeners are told on both edges, so nothing kept in memory outlives a gap in the stream.
/// </summary>
internal sealed partial class PostgresNotifications(
    IEnumerable<IChannelListener> listeners,
    NotificationConnection connection,
    ILogger<PostgresNotifications> logger) : BackgroundService
{
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(1);

    private readonly IChannelListener[] listeners = [.. listeners];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (listeners.Length == 0)
        {
            return;
        }

        var byChannel = listeners.GroupBy(listener => listener.Channel).ToDictionary(group => group.Key, group => group.ToArray());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(byChannel, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failure) when (failure is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                LogLost(logger, failure.GetType().Name, failure.Message);
            }
            finally
            {
                foreach (var listener in listeners)
                {
                    listener.OnDisconnected();
                }
            }

            await Task.Delay(Backoff, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task ListenAsync(Dictionary<string, IChannelListener[]> byChannel, CancellationToken stoppingToken)
    {
        await using var listening = await connection.OpenAsync(stoppingToken);
        var pending = new Queue<NpgsqlNotificationEventArgs>();
        var connected = false;
        listening.Notification += (_, notification) =>
        {
            // Raised inside Wait/command execution on this loop's own flow: no locking needed.
            if (connected)
            {
                Dispatch(byChannel, notification);
            }
            else
            {
                pending.Enqueue(notification);
            }
        };

        foreach (var channel in byChannel.Keys)
        {
            await using var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", listening);
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        // Resync after LISTEN: whatever commits from here on is either in the rebuilt state or still to come.
        foreach (var listener in listeners)
        {
            await listener.OnConnected(stoppingToken);
        }

        connected = true;
        while (pending.TryDequeue(out var early))
        {
            Dispatch(byChannel, early);
        }

        LogListening(logger, byChannel.Count);
        while (!stoppingToken.IsCancellationRequested)
        {
            // The keepalive in the connection string makes a dead server surface here as an exception.
            await listening.WaitAsync(stoppingToken);
        }
    }

    private void Dispatch(Dictionary<string, IChannelListener[]> byChannel, NpgsqlNotificationEventArgs notification)
    {
        if (!byChannel.TryGetValue(notification.Channel, out var targets))
        {
            return;
        }

        foreach (var listener in targets)
        {
            try
            {
                listener.OnNotification(notification.Payload);
            }
#pragma warning disable CA1031 // One listener's bug must not stop the others' stream.
            catch (Exception failure)
#pragma warning restore CA1031
            {
                LogListenerFailed(logger, listener.GetType().Name, failure);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification stream lost ({ExceptionType}: {Reason}); reconnecting")]
    private static partial void LogLost(ILogger logger, string exceptionType, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for notifications on {Channels} channel(s)")]
    private static partial void LogListening(ILogger logger, int channels);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification listener {Listener} failed")]
    private static partial void LogListenerFailed(ILogger logger, string listener, Exception exception);
}

/// <summary>The listening connection: outside the request pool (it is held for the process's life), with keepalives.</summary>
internal sealed class NotificationConnection(string connectionString)
{
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 5, Timeout = 5 };
        var opened = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await opened.OpenAsync(cancellationToken);
            return opened;
        }
        catch
        {
            await opened.DisposeAsync();
            throw;
        }
    }
}
