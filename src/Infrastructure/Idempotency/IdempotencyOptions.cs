namespace Conduit.Infrastructure.Idempotency;

public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key and its answer are kept (the IETF draft and Stripe: at least 24 h).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A first request still "running" after this long died with its instance; a retry may take over.</summary>
    public TimeSpan Abandoned { get; set; } = TimeSpan.FromMinutes(2);

    internal bool IsValid => Retention >= TimeSpan.FromHours(1) && Retention <= TimeSpan.FromDays(30)
        && Abandoned >= TimeSpan.FromSeconds(10) && Abandoned <= TimeSpan.FromHours(1);
}
