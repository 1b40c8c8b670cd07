using System.Globalization;
using Conduit.Infrastructure.Notifications;
using Npgsql;

namespace Conduit.Infrastructure.Caching;

/// <summary>
/// This instance's mirror of what changed in the database, fed by NOTIFY 'conduit_cache' (migration 0006).
/// Each change tag hashes to a slot that remembers the last change (a local sequence number) it took part
/// in; an entry filled at sequence <c>s</c> is fresh while none of its tags' slots moved past <c>s</c>.
/// Collisions only ever make an entry look stale. While the stream is down nothing is fresh.
/// </summary>
public sealed class ContentChanges(NpgsqlDataSource db, TimeProvider time) : IChannelListener
{
    public const string ChannelName = "conduit_cache";

    private const int Slots = 1 << 16;
    private static readonly TimeSpan GapPatience = TimeSpan.FromSeconds(1);

    private readonly long[] slots = new long[Slots];
    private readonly Lock gate = new();
    private readonly SortedSet<long> early = [];
    private TaskCompletionSource advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long sequence;
    private long flushedAt = long.MaxValue; // nothing is fresh until the first connection
    private long contiguous;                 // every database change number up to this one has been applied
    private long behindTarget;
    private long behindSince;

    public string Channel => ChannelName;

    public bool Listening => Volatile.Read(ref flushedAt) != long.MaxValue;

    /// <summary>Taken before a fill: the entry is fresh while nothing it depends on changes after this.</summary>
    public long Sequence => Interlocked.Read(ref sequence);

    /// <summary>The slots of an entry's change tags, worked out once when it is filled.</summary>
    public static int[] SlotsOf(IEnumerable<string> dependsOn) => [.. dependsOn.Select(SlotOf).Distinct()];

    public bool IsFresh(long filledAt, int[] dependsOn)
    {
        if (filledAt < Volatile.Read(ref flushedAt))
        {
            return false;
        }

        foreach (var slot in dependsOn)
        {
            if (Volatile.Read(ref slots[slot]) > filledAt)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether every change the database had numbered (<paramref name="databaseChange"/>, read after the
    /// request arrived) has reached this mirror. A number that never arrives belongs to a rolled-back
    /// write; it is given up on after a second.
    /// </summary>
    public bool HasApplied(long databaseChange)
    {
        lock (gate)
        {
            if (databaseChange <= contiguous)
            {
                behindTarget = 0;
                return true;
            }

            var now = time.GetTimestamp();
            if (behindTarget == 0)
            {
                (behindTarget, behindSince) = (databaseChange, now);
            }
            else if (time.GetElapsedTime(behindSince, now) > GapPatience)
            {
                Advance(behindTarget);
                behindTarget = 0;
                return databaseChange <= contiguous;
            }

            return false;
        }
    }

    /// <summary>Every database change up to this one has been applied here.</summary>
    public long Applied
    {
        get
        {
            lock (gate)
            {
                return contiguous;
            }
        }
    }

    /// <summary>
    /// <see cref="HasApplied"/>, waiting up to <paramref name="patience"/> for the stream to deliver what is
    /// missing: a notification normally follows its commit within a millisecond, far sooner than a query.
    /// </summary>
    public async ValueTask<bool> WaitForAsync(long databaseChange, TimeSpan patience, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp() + (long)(patience.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            // The signal first: an advance between the check and the wait still wakes us.
            var signal = Volatile.Read(ref advanced).Task;
            if (HasApplied(databaseChange))
            {
                return true;
            }

            var remaining = time.GetElapsedTime(time.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.WhenAny(signal, Task.Delay(remaining, time, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public void OnNotification(string payload)
    {
        var parts = payload.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var change))
        {
            return;
        }

        var applied = Interlocked.Increment(ref sequence);
        foreach (var tag in parts.AsSpan(1))
        {
            if (tag == "*")
            {
                Volatile.Write(ref flushedAt, applied);
            }
            else
            {
                Volatile.Write(ref slots[SlotOf(tag)], applied);
            }
        }

        lock (gate)
        {
            early.Add(change);
            Advance(contiguous);
        }
    }

    public async Task OnConnected(CancellationToken cancellationToken)
    {
        // After LISTEN: changes numbered up to now are in the data any fill reads from here on.
        await using var command = db.CreateCommand("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM content_change");
        var current = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        lock (gate)
        {
            early.Clear();
            contiguous = Math.Max(contiguous, current);
            behindTarget = 0;
        }

        Volatile.Write(ref flushedAt, Interlocked.Increment(ref sequence));
    }

    public void OnDisconnected() => Volatile.Write(ref flushedAt, long.MaxValue);

    private void Advance(long floor)
    {
        var before = contiguous;
        contiguous = Math.Max(contiguous, floor);

        // From the smallest only: the set holds every change since a gap (a second's worth while a rolled-back
        // write's number is waited for), and walking all of it on each notification showed in CPU profiles.
        while (early.Count > 0 && early.Min <= contiguous + 1)
        {
            contiguous = Math.Max(contiguous, early.Min);
            early.Remove(early.Min);
        }

        if (contiguous != before)
        {
            Interlocked.Exchange(ref advanced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private static int SlotOf(string tag) => (int)((uint)StringComparer.Ordinal.GetHashCode(tag) % Slots);
}
