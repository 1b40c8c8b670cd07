using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Users;

public sealed class LoginUserTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Login_returns_the_user_with_a_working_token()
    {
        var user = await client.RegisterAsync("login");

        var reply = await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = "password123" } });

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["user"]!["username"]!.GetValue<string>().Should().Be(user.Username);
        var token = reply.Json["user"]!["token"]!.GetValue<string>();
        (await client.GetAsync("/api/user", token)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_ignores_the_case_of_the_email()
    {
        var user = await client.RegisterAsync("caseless");

        var reply = await client.PostAsync("/api/users/login", new { user = new { email = user.Email.ToUpperInvariant(), password = "password123" } });

        reply.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_get_the_same_401()
    {
        var user = await client.RegisterAsync("wrongpw");

        var wrongPassword = await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = "password124" } });
        var unknownEmail = await client.PostAsync("/api/users/login", new { user = new { email = $"{Guid.NewGuid():N}@example.test", password = "password123" } });

        wrongPassword.Status.Should().Be(HttpStatusCode.Unauthorized);
        wrongPassword.Error("credentials").Should().Be("invalid");
        unknownEmail.Text.Should().Be(wrongPassword.Text, "the answer must not reveal which emails exist");
    }

    [Theory]
    [InlineData("", "password123", "email")]
    [InlineData(null, "password123", "email")]
    [InlineData("someone@example.test", "", "password")]
    [InlineData("someone@example.test", null, "password")]
    public async Task Login_with_a_blank_field_is_422(string? email, string? password, string field)
    {
        var reply = await client.PostAsync("/api/users/login", new { user = new { email, password } });

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Error(field).Should().Be("can't be blank");
    }
}
