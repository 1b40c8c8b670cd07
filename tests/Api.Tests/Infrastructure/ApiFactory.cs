using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Conduit.Tests.Infrastructure;

/// <summary>
/// The real API (Program, its middleware and pipeline) on its own database, one per test class
/// (<c>IClassFixture&lt;ApiFactory&gt;</c>). Tests inside a class stay independent by using fresh
/// user names (<see cref="Unique.Name"/>).
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string SigningKey = "tests-only-signing-key-0123456789abcdef";

    public string DatabaseName { get; private set; } = "";

    public string ConnectionString => TestDatabase.ConnectionStringFor(DatabaseName);

    public async Task InitializeAsync() => DatabaseName = await TestDatabase.CreateAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await TestDatabase.DropAsync(DatabaseName);
    }

    public ConduitClient CreateConduitClient() => new(CreateClient());

    /// <summary>A direct connection for assertions on what was (or was not) stored.</summary>
    public async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Database", ConnectionString);
        builder.UseSetting("Jwt:SigningKey", SigningKey);
        builder.UseSetting("RateLimiting:Enabled", "false");
    }
}

public static class Unique
{
    /// <summary>A name no other test uses: tests share their class's database.</summary>
    public static string Name(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
}
