using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Admin;

/// <summary>Its own database: "the last admin" depends on every admin there is.</summary>
public sealed class LastAdminTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Demoting_the_last_admin_is_422_and_only_an_admin_could_suspend_one()
    {
        var admin = await api.WithRoleAsync(client, "admin");
        var moderator = await api.WithRoleAsync(client, "moderator");
        await OnlyAdminsAsync(admin.Username, admin.Username);

        var suspend = await client.PostAsync($"/api/admin/users/{admin.Username}/suspend", Moderators.Reason(), moderator.Token);
        suspend.Status.Should().Be(HttpStatusCode.Forbidden, "a moderator acts on users only");
        var demote = await client.PutAsync($"/api/admin/users/{admin.Username}/role", new { role = "moderator" }, admin.Token);
        demote.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        demote.Error("username").Should().Be("is the last admin");
        (await client.GetAsync("/api/admin/users", admin.Token)).Status.Should().Be(HttpStatusCode.OK, "still an admin");

        // With a second admin, either may step down; then the other is the last again.
        var second = await client.RegisterAsync("second");
        (await client.PutAsync($"/api/admin/users/{second.Username}/role", new { role = "admin" }, admin.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.PutAsync($"/api/admin/users/{admin.Username}/role", new { role = "user" }, admin.Token)).Status.Should().Be(HttpStatusCode.OK);
        var last = await client.PutAsync($"/api/admin/users/{second.Username}/role", new { role = "user" }, second.Token);
        last.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        last.Error("username").Should().Be("is the last admin");
    }

    [Fact]
    public async Task Two_admins_suspending_each_other_at_once_leave_one_admin()
    {
        var one = await api.WithRoleAsync(client, "admin");
        var two = await api.WithRoleAsync(client, "admin");
        await OnlyAdminsAsync(one.Username, two.Username);

        var replies = await Task.WhenAll(
            client.PostAsync($"/api/admin/users/{two.Username}/suspend", Moderators.Reason(), one.Token),
            client.PostAsync($"/api/admin/users/{one.Username}/suspend", Moderators.Reason(), two.Token));

        replies.Count(reply => reply.Status == HttpStatusCode.OK).Should().Be(1, string.Join(" | ", replies.Select(r => r.Text)));
    }

    /// <summary>Tests of this class share a database: only the named users are admins from here on.</summary>
    private async Task OnlyAdminsAsync(string a, string b)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE users SET role = 'user' WHERE role = 'admin' AND username NOT IN (@a, @b)", new { a, b });
    }
}
