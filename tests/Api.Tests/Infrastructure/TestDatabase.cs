using System.Collections.Concurrent;
using Conduit.Infrastructure.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Conduit.Tests.Infrastructure;

/// <summary>
/// Real PostgreSQL for the tests. The schema is migrated once per test run into a template; every
/// test class then gets its own database cloned from it (CREATE DATABASE ... TEMPLATE, milliseconds).
/// The server is the project's own cluster, found as scripts/db.sh finds it (127.0.0.1, port
/// <c>CONDUIT_PG_PORT</c>, default 55432), unless <c>CONDUIT_TEST_ADMIN_CONNECTION</c> names another (test.sh, CI).
/// Only databases this run created are ever dropped: on a server that is not ours, nothing else is touched.
/// </summary>
public static class TestDatabase
{
    private static readonly string RunId = $"{Environment.ProcessId}_{Random.Shared.Next(100_000):D5}";
    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static readonly ConcurrentDictionary<string, byte> Created = new(StringComparer.Ordinal);
    private static bool templateReady;

    public static string AdminConnectionString { get; } =
        Environment.GetEnvironmentVariable("CONDUIT_TEST_ADMIN_CONNECTION") is { Length: > 0 } configured
            ? configured
            : $"Host=127.0.0.1;Port={ProjectClusterPort()};Username=postgres;Database=postgres";

    /// <summary>The port scripts/db.sh gives the project's cluster.</summary>
    private static string ProjectClusterPort() => Environment.GetEnvironmentVariable("CONDUIT_PG_PORT") is { Length: > 0 } port ? port : "55432";

    private static string TemplateName => $"conduit_template_{RunId}";

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true }.ConnectionString;

    public static async Task<string> CreateAsync()
    {
        await EnsureTemplateAsync();
        var name = $"conduit_test_{RunId}_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{TemplateName}\"");
        Created[name] = 0;
        return name;
    }

    /// <summary>Drops a database <see cref="CreateAsync"/> made in this run; any other name is refused. "" (never created): nothing.</summary>
    public static async Task DropAsync(string database)
    {
        if (database.Length == 0)
        {
            return;
        }

        if (!Created.TryRemove(database, out _))
        {
            throw new InvalidOperationException($"refusing to drop \"{database}\": this test run did not create it");
        }

        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    }

    private static async Task EnsureTemplateAsync()
    {
        await TemplateLock.WaitAsync();
        try
        {
            if (templateReady)
            {
                return;
            }

            await AdminAsync($"CREATE DATABASE \"{TemplateName}\"");
            // Made by this run (the name carries its process id and a random number): dropped by it alone, even if migrating fails.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => AdminAsync($"DROP DATABASE IF EXISTS \"{TemplateName}\" WITH (FORCE)").GetAwaiter().GetResult();
            await using (var dataSource = NpgsqlDataSource.Create(ConnectionStringFor(TemplateName)))
            {
                await Migrator.MigrateAsync(dataSource, NullLogger.Instance, CancellationToken.None);
            }

            // CREATE DATABASE ... TEMPLATE needs the template to have no open connections.
            NpgsqlConnection.ClearAllPools();
            templateReady = true;
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
