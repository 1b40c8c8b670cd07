using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Database;
using Mediator;
using Npgsql;

namespace Conduit.Infrastructure.Pipeline;

/// <summary>
/// Anonymous queries read from the replica; anything signed in reads from the primary. Every write needs a
/// token, so a client that has just written is signed in and its next read, on any instance, sees the write —
/// with no shared state and without synchronous replication (which would stall writes while the replica is
/// down). A query the replica fails (down, restarting, a recovery conflict) runs again on the primary.
/// </summary>
public sealed class ReadRoutingBehaviour<TMessage, TResponse>(ICurrentUser user, ReadReplica replica) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        message is IBaseQuery && user.Id is null && replica.Available is not null
            ? OnReplicaAsync(message, next, cancellationToken)
            : next(message, cancellationToken);

    private async ValueTask<TResponse> OnReplicaAsync(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var route = ReadDatabase.ToReplica();
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
