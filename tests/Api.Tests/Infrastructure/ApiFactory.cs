using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
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
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, LoopbackConnection>());
    }

    /// <summary>
    /// Each client is its own device: requests carry a client address of their own, forwarded the way nginx
    /// on loopback would, so that per-address limits apply to tests exactly as to real clients.
    /// </summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", ClientAddresses.Next());
    }

    /// <summary>The test server has no TCP connection: requests arrive as over loopback, as from a local proxy.</summary>
    private sealed class LoopbackConnection : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress ??= IPAddress.Loopback;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

public static class ClientAddresses
{
    private static int last;

    /// <summary>A documentation-range address (198.18.0.0/15, benchmarking) no other client of this run has.</summary>
    public static string Next()
    {
        var n = Interlocked.Increment(ref last);
        return $"198.{18 + (n >> 16 & 1)}.{n >> 8 & 0xff}.{n & 0xff}";
    }
}

public static class Unique
{
    /// <summary>A name no other test uses: tests share their class's database.</summary>
    public static string Name(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
}
