using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Operability;

public sealed class HealthTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Live_answers_without_checking_anything()
    {
        using var client = new ConduitClient(api.CreateClient());

        var reply = await client.GetAsync("/health/live");

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["status"]!.GetValue<string>().Should().Be("Healthy");
        reply.Json["checks"]!.AsObject().Should().BeEmpty();
    }

    [Fact]
    public async Task Ready_checks_the_database_and_the_migrations_and_ignores_a_bad_token()
    {
        using var client = new ConduitClient(api.CreateClient());

        var reply = await client.GetAsync("/health/ready", token: "not-a-jwt");

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["checks"]!["database"]!.GetValue<string>().Should().Be("Healthy");
        reply.Json["checks"]!["migrations"]!.GetValue<string>().Should().Be("Healthy");
    }

    [Fact]
    public async Task Ready_fails_while_a_migration_is_pending()
    {
        await using (var connection = await api.OpenDatabaseAsync())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE schemaversions SET scriptname = 'Migrations.forgotten.sql' WHERE scriptname LIKE 'Migrations.0001%'";
            (await command.ExecuteNonQueryAsync()).Should().Be(1);
        }

        try
        {
            using var client = new ConduitClient(api.CreateClient());

            var reply = await client.GetAsync("/health/ready");

            reply.Status.Should().Be(HttpStatusCode.ServiceUnavailable);
            reply.Json!["checks"]!["migrations"]!.GetValue<string>().Should().Be("Unhealthy");
            (await client.GetAsync("/health/live")).Status.Should().Be(HttpStatusCode.OK);
        }
        finally
        {
            await using var connection = await api.OpenDatabaseAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE schemaversions SET scriptname = 'Migrations.0001_initial_schema.sql' WHERE scriptname = 'Migrations.forgotten.sql'";
            await command.ExecuteNonQueryAsync();
        }
    }
}
