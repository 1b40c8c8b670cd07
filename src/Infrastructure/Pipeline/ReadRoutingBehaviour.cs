using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Database;
using Mediator;
using Npgsql;

namespace Conduit.Infrastructure.Pipeline;

/// <summary>
/// Anonymous queries read from the replica once it has replayed everything the primary had when the request
/// arrived (<see cref="WritePosition"/>), so a client's next read shows its own write on any instance, without
/// synchronous replication (which would stall every write while the replica is down). Signed-in queries read
/// from the primary: they are few next to anonymous ones, which the read cache mostly answers anyway. A query
/// the replica fails (down, restarting, a recovery conflict) runs again on the primary.
/// </summary>
public sealed class ReadRoutingBehaviour<TMessage, TResponse>(ICurrentUser user, ReadReplica replica, WritePosition position) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        message is IBaseQuery && user.Id is null && replica.Configured
            ? OnReplicaAsync(message, next, cancellationToken)
            : next(message, cancellationToken);

    private async ValueTask<TResponse> OnReplicaAsync(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var route = ReadDatabase.ToReplica((await position.OfThisRequestAsync().WaitAsync(cancellationToken)).Wal);
        try
        {
            return await next(message, cancellationToken);
        }
        catch (NpgsqlException failure) when (route.UsedReplica && !cancellationToken.IsCancellationRequested && IsReplicaTrouble(failure))
        {
            replica.Failed();
            route.ToReplica = false;
            return await next(message, cancellationToken);
        }
        finally
        {
            route.ToReplica = false;
        }
    }

    // Not reachable, shutting down or restarting (class 08, 57), or a query cancelled by WAL replay (40001).
    private static bool IsReplicaTrouble(NpgsqlException failure) => failure is not PostgresException postgres
        || postgres.IsTransient
        || postgres.SqlState.StartsWith("57", StringComparison.Ordinal)
        || postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
        || postgres.SqlState == PostgresErrorCodes.SerializationFailure;
}
