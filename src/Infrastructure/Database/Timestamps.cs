namespace Conduit.Infrastructure.Database;

public static class Timestamps
{
    /// <summary>Now, at the millisecond precision the API shows, so what is stored is what was returned.</summary>
    public static DateTime Now(TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }
}
