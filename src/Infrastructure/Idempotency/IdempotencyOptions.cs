namespace Conduit.Infrastructure.Idempotency;

public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key and its answer are kept (the IETF draft and Stripe: at least 24 h).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A first request still "running" after this long died with its instance; a retry may take over.</summary>
    public TimeSpan Abandoned { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Keys one caller (a user, or an anonymous client address) may have kept at once; beyond it, 429 until the
    /// oldest expires. Bounds the table at this many rows (~0.7 KB each) per caller for the whole retention.
    /// </summary>
    public int MaxKeysPerCaller { get; set; } = 1000;

    internal bool IsValid => Retention >= TimeSpan.FromHours(1) && Retention <= TimeSpan.FromDays(30)
        && Abandoned >= TimeSpan.FromSeconds(10) && Abandoned <= TimeSpan.FromHours(1)
        && MaxKeysPerCaller is >= 1 and <= 100_000;
}
