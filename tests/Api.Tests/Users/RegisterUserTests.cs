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
        // The contract's members, and the session's refresh token beside them.
        user.AsObject().Select(member => member.Key).Should().BeEquivalentTo(["username", "email", "bio", "image", "token", "refreshToken"]);
    }

    [Fact]
    public async Task The_password_is_stored_only_as_a_hash()
    {
        var user = await client.RegisterAsync("hashed");

        await using var connection = await api.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT password_hash FROM users WHERE username = '{user.Username}'";
        var hash = (string)(await command.ExecuteScalarAsync())!;

        hash.Should().NotContain("password123").And.HaveLength(84, "ASP.NET Core Identity v3 PBKDF2 hashes are 84 base64 characters");
    }

    [Fact]
    public async Task Register_with_a_taken_username_in_another_case_is_409()
    {
        var first = await client.RegisterAsync("dup");

        var reply = await client.PostAsync("/api/users", new { user = new { username = first.Username.ToUpperInvariant(), email = $"{Guid.NewGuid():N}@example.test", password = "password123" } });

        reply.Status.Should().Be(HttpStatusCode.Conflict);
        reply.Error("username").Should().Be("has already been taken");
    }

    [Fact]
    public async Task Register_with_a_taken_email_in_another_case_is_409()
    {
        var first = await client.RegisterAsync("dupmail");

        var reply = await client.PostAsync("/api/users", new { user = new { username = Unique.Name("other"), email = first.Email.ToUpperInvariant(), password = "password123" } });

        reply.Status.Should().Be(HttpStatusCode.Conflict);
        reply.Error("email").Should().Be("has already been taken");
    }

    [Theory]
    [InlineData("username", "", "can't be blank")]
    [InlineData("username", "   ", "can't be blank")]
    [InlineData("username", null, "can't be blank")]
    [InlineData("username", "has space", "is invalid")]
    [InlineData("username", "slash/name", "is invalid")]
    [InlineData("email", "", "can't be blank")]
    [InlineData("email", null, "can't be blank")]
    [InlineData("email", "not-an-email", "is invalid")]
    [InlineData("password", "", "can't be blank")]
    [InlineData("password", null, "can't be blank")]
    [InlineData("password", "short", "is too short (minimum is 8 characters)")]
    public async Task Register_with_an_invalid_field_is_422_naming_it(string field, string? value, string message)
    {
        var fields = new Dictionary<string, string?> { ["username"] = Unique.Name("v"), ["email"] = $"{Guid.NewGuid():N}@example.test", ["password"] = "password123" };
        fields[field] = value;

        var reply = await client.PostAsync("/api/users", new { user = fields });

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Error(field).Should().Be(message);
    }

    [Fact]
    public async Task Register_without_the_user_wrapper_is_422_and_creates_nothing()
    {
        var username = Unique.Name("nowrap");

        var reply = await client.PostAsync("/api/users", new { username, email = $"{username}@example.test", password = "password123" });

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Error("user").Should().Be("can't be blank");
        (await client.PostAsync("/api/users/login", new { user = new { email = $"{username}@example.test", password = "password123" } })).Status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("{\"user\":")]
    [InlineData("not json")]
    [InlineData("{\"user\":{\"username\":42,\"email\":\"a@b.test\",\"password\":\"password123\"}}")]
    public async Task Register_with_malformed_or_mistyped_JSON_is_422(string body)
    {
        var reply = await client.PostAsync("/api/users", body);

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Json!["errors"]!.AsObject().Should().NotBeEmpty();
    }
}
