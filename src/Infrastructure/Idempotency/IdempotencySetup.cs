using System.Diagnostics.CodeAnalysis;
using Conduit.Infrastructure.Database;
using Npgsql;

namespace Conduit.Infrastructure.Idempotency;

public static partial class IdempotencySetup
{
    public static IServiceCollection AddConduitIdempotency(this IServiceCollection services)
    {
        services.AddOptions<IdempotencyOptions>()
            .BindConfiguration(IdempotencyOptions.Section)
            .Validate(options => options.IsValid, "Idempotency:Retention must be 01:00:00-30.00:00:00, Idempotency:Abandoned 00:00:10-01:00:00 and Idempotency:MaxKeysPerCaller 1-100000")
            .ValidateOnStart();
        services.AddSingleton<ResponseSealer>();
        services.AddHostedService<ExpiredKeyPruning>();
        return services;
    }

    /// <summary>
    /// For a route whose answer is a credential (login, refresh): an <c>Idempotency-Key</c> is accepted and ignored
    /// and the request runs every time, so a spent or refused credential is judged afresh, never answered from the
    /// past. Such routes are safe to repeat anyway (a login starts one more session; a refresh within the reuse
    /// interval returns the same successor).
    /// </summary>
    public static RouteHandlerBuilder NeverReplayed(this RouteHandlerBuilder builder) => builder.WithMetadata(new NotReplayed());

    /// <summary>
    /// For a route whose kept answer holds a credential (sign-up): a retry gets the kept answer only while
    /// <typeparamref name="TCheck"/> finds that credential still good; otherwise the request runs as without a key.
    /// </summary>
    public static RouteHandlerBuilder ReplayedWhile<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TCheck>(this RouteHandlerBuilder builder)
        where TCheck : IKeptAnswerCheck =>
        builder.WithMetadata(new ReplayCheck(ActivatorUtilities.CreateFactory(typeof(TCheck), [])));

    /// <summary>After authentication (a key belongs to its user) and the body limit, before the endpoints.</summary>
    public static IApplicationBuilder UseIdempotency(this IApplicationBuilder app) => app.UseMiddleware<IdempotencyMiddleware>();

    private sealed class ExpiredKeyPruning(NpgsqlDataSource db, Microsoft.Extensions.Options.IOptions<IdempotencyOptions> options, ILogger<ExpiredKeyPruning> logger)
        : PeriodicUpkeep(db, logger)
    {
        protected override string Work => "pruning expired idempotency keys";

        protected override string Sql => "DELETE FROM idempotency_keys WHERE created_at < now() - @Retention";

        protected override TimeSpan Every => TimeSpan.FromMinutes(10);

        protected override object Arguments => new { options.Value.Retention };
    }

    internal sealed class NotReplayed;

    internal sealed class ReplayCheck(ObjectFactory factory)
    {
        public IKeptAnswerCheck Create(IServiceProvider services) => (IKeptAnswerCheck)factory(services, null);
    }
}
