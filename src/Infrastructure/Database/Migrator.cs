using DbUp;
using Npgsql;

namespace Conduit.Infrastructure.Database;

/// <summary>
/// Applies the versioned scripts (embedded, run in name order, each once, each in its own transaction;
/// DbUp records them in <c>schemaversions</c>). An advisory lock makes concurrent starts of several
/// instances take turns instead of racing.
/// </summary>
/// <remarks>
/// Each script lives with the feature or mechanism that owns it, in a <c>Migrations/</c> folder anywhere
/// under <c>src/</c> (<c>src/Features/&lt;Area&gt;/Migrations/NNNN_&lt;what&gt;.sql</c>). Api.csproj
/// embeds every <c>src/**/Migrations/*.sql</c> as <c>Migrations.&lt;file name&gt;</c>: the name DbUp
/// journals never includes the folder, so moving a script never makes it look new. The numbers order them
/// across folders and must be unique; <c>src/schema.sql</c> is the schema they add up to.
/// </remarks>
public static class Migrator
{
    private const long LockKey = 0x436f6e64756974; // "Conduit"

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            lockCommand.Parameters.AddWithValue("key", LockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var result = DeployChanges.To
                .PostgresqlDatabase(dataSource.ConnectionString)
                .WithScriptsEmbeddedInAssembly(typeof(Migrator).Assembly, IsMigration)
                .WithTransactionPerScript()
                // A migration over a large table (a backfill, an index build) may take minutes: it must finish,
                // not die at the 30-second command timeout meant for requests.
                .WithExecutionTimeout(TimeSpan.FromHours(1))
                .LogTo(logger)
                .Build()
                .PerformUpgrade();
            if (!result.Successful)
            {
                throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed.", result.Error);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", LockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>The embedded scripts DbUp's journal does not list yet (what a readiness probe needs to know).</summary>
    public static async Task<IReadOnlyList<string>> PendingAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT scriptname FROM schemaversions");
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetString(0));
            }
        }

        return [.. typeof(Migrator).Assembly.GetManifestResourceNames().Where(IsMigration).Where(name => !applied.Contains(name)).Order(StringComparer.Ordinal)];
    }

    private static bool IsMigration(string resourceName) => resourceName.StartsWith("Migrations.", StringComparison.Ordinal);
}
