using Dapper;
using Npgsql;

namespace Conduit.Infrastructure.Database;

/// <summary>
/// A statement every instance runs now and then to keep a table from only growing (pruning expired rows,
/// folding a log). Each statement is safe to run from any instance at any time; a failure is logged and the
/// next tick tries again.
/// </summary>
public abstract partial class PeriodicUpkeep(NpgsqlDataSource db, ILogger logger) : BackgroundService
{
    /// <summary>What the statement keeps, for the log ("pruning live events").</summary>
    protected abstract string Work { get; }

    protected abstract string Sql { get; }

    protected abstract TimeSpan Every { get; }

    protected virtual object? Arguments => null;

    private async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(Sql, Arguments, cancellationToken: cancellationToken));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        try
        {
            // At start too: after a long stop there may be much to catch up on.
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (NpgsqlException failure)
                {
                    LogFailed(logger, Work, failure.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upkeep ({Work}) failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string work, string reason);
}
