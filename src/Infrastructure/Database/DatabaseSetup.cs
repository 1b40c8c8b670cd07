using Dapper;
using Npgsql;

namespace Conduit.Infrastructure.Database;

public static class DatabaseSetup
{
    public static IServiceCollection AddConduitDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        // Dapper maps snake_case columns onto the PascalCase members of the read models.
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        services.AddSingleton(provider =>
            Build("Database", configuration.GetConnectionString("Database"), provider)
            ?? throw new InvalidOperationException("ConnectionStrings:Database is not set (environment variable ConnectionStrings__Database)."));
        services.AddSingleton(provider => new ReadReplica(
            Build("ReadReplica", configuration.GetConnectionString("ReadReplica"), provider), provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<ReadReplica>>()));
        services.AddHostedService(provider => provider.GetRequiredService<ReadReplica>());
        services.AddSingleton<ReadDatabase>();
        services.AddSingleton<WritePosition>();
        return services;
    }

    private static NpgsqlDataSource? Build(string name, string? connectionString, IServiceProvider provider)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        NpgsqlDataSourceBuilder builder;
        try
        {
            builder = new NpgsqlDataSourceBuilder(connectionString);
        }
        catch (ArgumentException invalid)
        {
            // An unknown keyword or a bad value: say which setting, without echoing the string (it may hold a password).
            throw new InvalidOperationException($"ConnectionStrings:{name} is invalid: {invalid.Message}", invalid);
        }

        // Defaults measured in bench/RESULTS.md; a connection string that sets its own value wins.
        // Statements run often are prepared once per connection (parse and plan skipped afterwards).
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }

        // Two busy PostgreSQL backends per core beat more contending ones: requests queue briefly for a
        // connection instead of backends being preempted mid-statement. Measured at M, 32 connections, feed:
        // 32 → 8 → 4 connections, p99 182 → 78 → 27 ms at the same throughput (bench/RESULTS.md).
        if (!Sets(connectionString, "Maximum Pool Size", "Max Pool Size"))
        {
            builder.ConnectionStringBuilder.MaxPoolSize = Math.Max(4, 2 * Environment.ProcessorCount);
        }

        // A replica that cannot be reached must hand its queries to the primary quickly, not after 15 s.
        if (name == "ReadReplica" && !Sets(connectionString, "Timeout"))
        {
            builder.ConnectionStringBuilder.Timeout = 2;
        }

        builder.UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>());
        return builder.Build();
    }

    private static bool Sets(string connectionString, params string[] names)
    {
        var keys = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>();
        return keys.Any(key => names.Any(name => key.Equals(name, StringComparison.OrdinalIgnoreCase)));
    }
}
