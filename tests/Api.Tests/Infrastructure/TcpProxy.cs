using System.Net;
using System.Net.Sockets;

namespace Conduit.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay between the API and PostgreSQL that can fail like a database going down:
/// <see cref="Cut"/> drops every open connection and refuses new ones, <see cref="Restore"/> listens again
/// on the same port. Other test classes keep using the real server undisturbed.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint target;
    private readonly List<TcpClient> open = [];
    private TcpListener? listener;
    private CancellationTokenSource stopping = new();

    public TcpProxy(IPEndPoint target)
    {
        this.target = target;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Restore();
    }

    public int Port { get; }

    public void Restore()
    {
        stopping = new CancellationTokenSource();
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _ = AcceptAsync(listener, stopping.Token);
    }

    public void Cut()
    {
        stopping.Cancel();
        listener?.Stop();
        lock (open)
        {
            foreach (var client in open)
            {
                if (client.Client is { } socket)
                {
                    socket.LingerState = new LingerOption(true, 0); // RST, like a crashed server
                }

                client.Dispose();
            }

            open.Clear();
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptAsync(TcpListener server, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient incoming;
            try
            {
                incoming = await server.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(incoming, cancellationToken);
        }
    }

    private async Task RelayAsync(TcpClient incoming, CancellationToken cancellationToken)
    {
        var outgoing = new TcpClient();
        lock (open)
        {
            open.Add(incoming);
            open.Add(outgoing);
        }

        try
        {
            await outgoing.ConnectAsync(target, cancellationToken);
            var up = incoming.GetStream().CopyToAsync(outgoing.GetStream(), cancellationToken);
            var down = outgoing.GetStream().CopyToAsync(incoming.GetStream(), cancellationToken);
            await Task.WhenAny(up, down);
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The link was cut: that is the point.
        }
        finally
        {
            lock (open)
            {
                open.Remove(incoming);
                open.Remove(outgoing);
            }

            incoming.Dispose();
            outgoing.Dispose();
        }
    }
}
