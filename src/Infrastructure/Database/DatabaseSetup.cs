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

            // Statements run often are prepared once per connection (parse and plan skipped afterwards);
            // a connection string that sets its own value wins. See bench/RESULTS.md for the effect.
            if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            }

            builder.UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>());
            return builder.Build();
        });
        return services;
    }
}
