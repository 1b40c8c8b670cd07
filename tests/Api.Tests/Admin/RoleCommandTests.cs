using System.Net;
using Conduit.Tests.Infrastructure;
using Conduit.Tests.Operability;

namespace Conduit.Tests.Admin;

/// <summary><c>dotnet Api.dll --grant|--revoke</c>: the first admin comes from the command line, never from an endpoint.</summary>
[Collection(LoopbackPorts.Collection)]
public sealed class RoleCommandTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Grant_makes_the_first_admin_and_revoke_takes_it_back_both_audited()
    {
        var user = await client.RegisterAsync("first");
        (await client.GetAsync("/api/admin/users", user.Token)).Status.Should().Be(HttpStatusCode.Forbidden);

        var (granted, grantOutput) = await RunAsync("--grant", "admin", user.Email.ToUpperInvariant());
        granted.Should().Be(0, grantOutput);
        grantOutput.Should().Contain($"{user.Username} is now admin (was user)");
        (await client.PutAsync($"/api/admin/users/{user.Username}/role", new { role = "admin" }, user.Token)).Status.Should().Be(HttpStatusCode.OK);

        var (moderated, _) = await RunAsync("--grant", "moderator", user.Email);
        moderated.Should().Be(0);
        (await client.GetAsync("/api/admin/users", user.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.PutAsync($"/api/admin/users/{user.Username}/role", new { role = "admin" }, user.Token)).Status.Should().Be(HttpStatusCode.Forbidden);

        var (revoked, revokeOutput) = await RunAsync("--revoke", user.Email);
        revoked.Should().Be(0, revokeOutput);
        (await client.GetAsync("/api/admin/users", user.Token)).Status.Should().Be(HttpStatusCode.Forbidden);

        var admin = await api.WithRoleAsync(client, "admin");
        var audit = await client.GetAsync($"/api/admin/audit?action=role", admin.Token);
        audit.Json!["entries"]!.AsArray().Where(e => e!["actor"]!.GetValue<string>() == RoleCommandActor).Select(e => (e!["actor"]!.GetValue<string>(), e["reason"]!.GetValue<string>()))
            .Should().Equal(("command line", "role moderator -> user"), ("command line", "role admin -> moderator"), ("command line", "role user -> admin"));
    }

    [Theory]
    [InlineData(2, "--grant", "admin", "nobody@example.test")]
    [InlineData(1, "--grant", "root", "nobody@example.test")]
    [InlineData(1, "--grant", "user", "nobody@example.test")]
    [InlineData(1, "--grant", "admin")]
    [InlineData(1, "--revoke")]
    public async Task Bad_role_commands_fail_with_a_message_and_change_nothing(int exitCode, params string[] arguments)
    {
        var (code, output) = await RunAsync(arguments);
        code.Should().Be(exitCode, output);
        output.Should().MatchRegex("usage: --|no user has the email");
    }

    private const string RoleCommandActor = "command line";

    private async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        await using var process = ApiProcess.Start(
            new Dictionary<string, string> { ["ConnectionStrings__Database"] = api.ConnectionString, ["Jwt__SigningKey"] = ApiFactory.SigningKey },
            arguments);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, string.Join('\n', process.Output));
    }
}
