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
        {
            var connectionString = configuration.GetConnectionString("Database");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:Database is not set (environment variable ConnectionStrings__Database).");
            }

            NpgsqlDataSourceBuilder builder;
            try
            {
                builder = new NpgsqlDataSourceBuilder(connectionString);
            }
            catch (ArgumentException invalid)
            {
                // An unknown keyword or a bad value: say which setting, without echoing the string (it may hold a password).
                throw new InvalidOperationException($"ConnectionStrings:Database is invalid: {invalid.Message}", invalid);
            }

            // Defaults measured in bench/RESULTS.md; a connection string that sets its own value wins.
            // Statements run often are prepared once per connection (parse and plan skipped afterwards).
            if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            }

            // A few busy PostgreSQL backends per core beat a hundred contending ones: requests queue briefly
            // for a connection instead of the server thrashing (M list: p99 294 → 92 ms, +10 % req/s).
            if (!SetsPoolSize(connectionString))
            {
                builder.ConnectionStringBuilder.MaxPoolSize = Math.Max(8, 4 * Environment.ProcessorCount);
            }

            builder.UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>());
            return builder.Build();
        });
        return services;
    }

    private static bool SetsPoolSize(string connectionString)
    {
        var keys = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>();
        return keys.Any(key => key.Equals("Maximum Pool Size", StringComparison.OrdinalIgnoreCase) || key.Equals("Max Pool Size", StringComparison.OrdinalIgnoreCase));
    }
}
