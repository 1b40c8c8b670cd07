using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Users;

public sealed class RegisterUserTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Register_returns_201_with_token_and_null_bio_and_image()
    {
        var username = Unique.Name("reg");

        var reply = await client.PostAsync("/api/users", new { user = new { username, email = $"{username}@example.test", password = "password123" } });

        reply.Status.Should().Be(HttpStatusCode.Created);
        var user = reply.Json!["user"]!;
        user["username"]!.GetValue<string>().Should().Be(username);
        user["email"]!.GetValue<string>().Should().Be($"{username}@example.test");
        user["bio"].Should().BeNull();
        user["image"].Should().BeNull();
        user["token"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        reply.Text.Should().NotContainAny("password", "hash");
    }

    [Fact]
    public async Task Register_with_a_taken_username_in_another_case_is_409()
    {
        var first = await client.RegisterAsync("dup");

        var reply = await client.PostAsync("/api/users", new { user = new { username = first.Username.ToUpperInvariant(), email = $"{Guid.NewGuid():N}@example.test", password = "password123" } });

        reply.Status.Should().Be(HttpStatusCode.Conflict);
        reply.Error("username").Should().Be("has already been taken");
    }
}
