namespace Conduit.Features.Live.Streams;

public sealed class LiveOptions
{
    public const string Section = "Live";

    /// <summary>A comment line this often on an idle stream, so proxies and NATs keep it open.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long events stay resumable (pruned in the background after that).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a stream ticket may wait for its one use.</summary>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Events one stream may have waiting for its client; beyond that the client is told to reload and dropped.</summary>
    public int QueueLength { get; set; } = 256;

    /// <summary>Concurrent streams of one user on one instance.</summary>
    public int MaxStreamsPerUser { get; set; } = 8;

    /// <summary>Concurrent streams from one client address (IPv6: its /64) on one instance.</summary>
    public int MaxStreamsPerAddress { get; set; } = 32;

    /// <summary>The reconnection delay sent to clients (<c>retry:</c>); on shutdown a random one up to twice this spreads them out.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);

    internal bool IsValid =>
        Heartbeat >= TimeSpan.FromMilliseconds(100) && Heartbeat <= TimeSpan.FromMinutes(10)
        && Retention >= TimeSpan.FromMinutes(1) && Retention <= TimeSpan.FromDays(30)
        && TicketLifetime >= TimeSpan.FromSeconds(1) && TicketLifetime <= TimeSpan.FromMinutes(10)
        && QueueLength is >= 1 and <= 100_000
        && MaxStreamsPerUser is >= 1 and <= 10_000 && MaxStreamsPerAddress is >= 1 and <= 100_000
        && ReconnectDelay >= TimeSpan.FromMilliseconds(100) && ReconnectDelay <= TimeSpan.FromMinutes(5);
}
