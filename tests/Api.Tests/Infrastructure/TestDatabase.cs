using Conduit.Infrastructure.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Conduit.Tests.Infrastructure;

/// <summary>
/// Real PostgreSQL for the tests. The schema is migrated once per test run into a template; every
/// test class then gets its own database cloned from it (CREATE DATABASE ... TEMPLATE, milliseconds).
/// </summary>
public static class TestDatabase
{
    private static readonly string RunId = $"{Environment.ProcessId}_{Random.Shared.Next(100_000):D5}";
    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static bool templateReady;

    public static string AdminConnectionString { get; } =
        Environment.GetEnvironmentVariable("CONDUIT_TEST_ADMIN_CONNECTION")
        ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";

    private static string TemplateName => $"conduit_template_{RunId}";

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true }.ConnectionString;

    public static async Task<string> CreateAsync()
    {
        await EnsureTemplateAsync();
        var name = $"conduit_test_{RunId}_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{TemplateName}\"");
        return name;
    }

    public static async Task DropAsync(string database)
    {
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
            await using (var dataSource = NpgsqlDataSource.Create(ConnectionStringFor(TemplateName)))
            {
                await Migrator.MigrateAsync(dataSource, NullLogger.Instance, CancellationToken.None);
            }

            // CREATE DATABASE ... TEMPLATE needs the template to have no open connections.
            NpgsqlConnection.ClearAllPools();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => AdminAsync($"DROP DATABASE IF EXISTS \"{TemplateName}\" WITH (FORCE)").GetAwaiter().GetResult();
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
