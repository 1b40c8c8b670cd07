using System.Net;
using System.Text.Json;
using Conduit.Tests.Infrastructure;
using Npgsql;

namespace Conduit.Tests.Operability;

/// <summary>The API as operators run it: a process on Kestrel, configured by environment variables.</summary>
[Collection(LoopbackPorts.Collection)]
public sealed class ProcessTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string ConnectionPassword = "s3cret-connection-pw";

    [Theory]
    [InlineData("Jwt__SigningKey", "too-short", "Jwt:SigningKey")]
    [InlineData("AbuseProtection__SignUpsPerAddress__Limit", "0", "AbuseProtection:*:Limit")]
    [InlineData("RateLimiting__Enabled", "false", "AbuseProtection:FailedLoginsPerAccountAndAddress")]
    [InlineData("ForwardedHeaders__KnownProxies__0", "not-an-address", "ForwardedHeaders:KnownProxies")]
    [InlineData("Cors__AllowedOrigins__0", "https://app.example.test/path", "Cors:AllowedOrigins")]
    [InlineData("Limits__MaxRequestBodyBytes", "10", "MaxRequestBodyBytes")]
    [InlineData("Shutdown__Timeout", "00:00:00", "Timeout")]
    [InlineData("ConnectionStrings__Database", "", "ConnectionStrings:Database")]
    [InlineData("ConnectionStrings__Database", "Host=127.0.0.1;No Such Keyword=1", "ConnectionStrings:Database is invalid")]
    public async Task Invalid_configuration_stops_the_start_with_one_line_naming_the_key(string key, string value, string named)
    {
        var settings = Settings("Host=127.0.0.1;Port=1;Database=never-reached");
        settings[key] = value;
        await using var process = ApiProcess.Start(settings);

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exitCode.Should().Be(1);
        var reason = process.Output.Should().ContainSingle(line => line.StartsWith("Conduit cannot start: ", StringComparison.Ordinal)).Subject;
        reason.Should().Contain(named);
        process.Output.Should().NotContain(line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal), "no stack trace");
    }

    [Fact]
    public async Task SIGTERM_refuses_new_connections_finishes_the_request_in_flight_and_exits_cleanly()
    {
        await using var process = ApiProcess.Start(Settings(api.ConnectionString));
        await process.WaitUntilLiveAsync();
        using var client = new ConduitClient(new HttpClient { BaseAddress = process.Address });
        var user = await client.RegisterAsync("inflight");

        // Holding the user's row keeps the update below waiting inside its handler: a request in flight.
        await using var connection = await api.OpenDatabaseAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM users WHERE username = @name FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.AddWithValue("name", user.Username);
            await lockRow.ExecuteScalarAsync();
        }

        var inFlight = client.PutAsync("/api/user", new { user = new { bio = "written during shutdown" } }, user.Token);
        await Task.Delay(500);
        inFlight.IsCompleted.Should().BeFalse("the update waits for the row lock");
        process.Terminate();
        // The listener closes as shutdown begins (polled: a busy machine may take a moment to deliver the signal).
        var refused = false;
        for (var attempt = 0; attempt < 50 && !refused; attempt++)
        {
            await Task.Delay(100);
            try
            {
                using var late = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(3) };
                await late.GetAsync("/health/live");
            }
            catch (HttpRequestException)
            {
                refused = true;
            }
        }

        refused.Should().BeTrue("new connections are refused once shutdown begins");
        inFlight.IsCompleted.Should().BeFalse("the request in flight is still waiting for its row");
        await transaction.CommitAsync();

        var reply = await inFlight;
        reply.Status.Should().Be(HttpStatusCode.OK, "the request in flight was served to the end: " + string.Join('\n', process.Output));
        reply.Json!["user"]!["bio"]!.GetValue<string>().Should().Be("written during shutdown");
        (await process.WaitForExitAsync(TimeSpan.FromSeconds(15))).Should().Be(0);
    }

    [Fact]
    public async Task The_server_sends_no_Server_header()
    {
        await using var process = ApiProcess.Start(Settings(api.ConnectionString));
        await process.WaitUntilLiveAsync();
        using var client = new HttpClient { BaseAddress = process.Address };

        using var response = await client.GetAsync("/api/tags");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.Contains("Server").Should().BeFalse();
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
    }

    [Fact]
    public async Task Production_logs_are_JSON_lines_with_one_line_per_request_and_no_secrets()
    {
        var settings = Settings(new NpgsqlConnectionStringBuilder(api.ConnectionString) { Password = ConnectionPassword }.ConnectionString);
        // As verbose as it gets: nothing at any level may carry a secret.
        settings["Logging__LogLevel__Default"] = "Trace";
        settings["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace";
        settings["Logging__LogLevel__Npgsql"] = "Trace";
        await using var process = ApiProcess.Start(settings);
        await process.WaitUntilLiveAsync();
        using var client = new ConduitClient(new HttpClient { BaseAddress = process.Address });
        var secrets = new List<string> { ConnectionPassword, ApiFactory.SigningKey };

        var user = await client.RegisterAsync("logged");
        secrets.Add(user.Token);
        var login = await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = "password123" } });
        secrets.Add(login.Json!["user"]!["token"]!.GetValue<string>());
        var refreshToken = login.Json["user"]!["refreshToken"]!.GetValue<string>();
        var refreshed = await client.PostAsync("/api/users/refresh", new { refreshToken });
        // The part before the dot is the session id, which log lines may name; the secret after it never.
        secrets.AddRange([refreshToken[33..], refreshed.Json!["user"]!["refreshToken"]!.GetValue<string>()[33..], refreshed.Json["user"]!["token"]!.GetValue<string>()]);
        await client.PostAsync("/api/users/refresh", new { refreshToken = refreshToken[..33] + new string('A', 43) });
        await client.PostAsync("/api/users/refresh", new { refreshToken = "not-a-refresh-token" });
        await client.PutAsync("/api/user", new { user = new { password = "new-password-456" } }, user.Token);
        await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = "wrong-password-789" } });
        await client.GetAsync("/api/user", user.Token + "tampered");
        await client.GetAsync($"/api/profiles/{user.Username}", user.Token);
        secrets.AddRange(["password123", "new-password-456", "wrong-password-789"]);
        process.Terminate();
        await process.WaitForExitAsync(TimeSpan.FromSeconds(15));

        var lines = process.Output;
        foreach (var secret in secrets)
        {
            lines.Should().NotContain(line => line.Contains(secret, StringComparison.Ordinal), "a secret must never reach a log line");
        }

        var entries = lines.Where(line => line.StartsWith('{')).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        entries.Should().HaveCountGreaterThan(10);
        lines.Where(line => !line.StartsWith('{')).Should().BeEmpty("Production logs are JSON lines only");
        var request = entries.Should().ContainSingle(entry =>
            entry.GetProperty("Category").GetString() == "Conduit.Infrastructure.Http.RequestLogging"
            && entry.GetProperty("State").GetProperty("Route").GetString() == "/api/profiles/{username}").Subject;
        request.GetProperty("LogLevel").GetString().Should().Be("Information");
        request.GetProperty("State").GetProperty("StatusCode").GetInt32().Should().Be(200);
        request.GetProperty("State").GetProperty("Method").GetString().Should().Be("GET");
        request.GetProperty("State").GetProperty("ElapsedMs").GetDouble().Should().BePositive();
        request.GetProperty("Scopes").EnumerateArray().Where(scope => scope.TryGetProperty("TraceId", out var traceId) && traceId.GetString()!.Length == 32 && scope.TryGetProperty("SpanId", out var spanId) && spanId.GetString()!.Length == 16)
            .Should().ContainSingle("each line carries the trace and span of its request");
    }

    private static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["ConnectionStrings__Database"] = connectionString,
        ["Jwt__SigningKey"] = ApiFactory.SigningKey,
        ["Shutdown__Timeout"] = "00:00:10",
    };
}
