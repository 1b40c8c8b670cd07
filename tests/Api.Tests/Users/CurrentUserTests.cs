using System.Net;
using System.Net.Http.Headers;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Users;

/// <summary>GetCurrentUser and UpdateUser: the signed-in user's own record.</summary>
public sealed class CurrentUserTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Get_returns_the_user_of_the_token()
    {
        var user = await client.RegisterAsync("me");

        var reply = await client.GetAsync("/api/user", user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["user"]!["username"]!.GetValue<string>().Should().Be(user.Username);
        reply.Json["user"]!["email"]!.GetValue<string>().Should().Be(user.Email);
        reply.Json["user"]!["token"]!.GetValue<string>().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Get_accepts_the_Bearer_scheme_too()
    {
        var user = await client.RegisterAsync("bearer");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/user");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);

        using var response = await client.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Get_without_a_token_is_401_is_missing()
    {
        var reply = await client.GetAsync("/api/user");

        reply.Status.Should().Be(HttpStatusCode.Unauthorized);
        reply.Error("token").Should().Be("is missing");
    }

    [Fact]
    public async Task Get_with_a_bad_token_is_401_is_invalid()
    {
        var reply = await client.GetAsync("/api/user", "not.a.jwt");

        reply.Status.Should().Be(HttpStatusCode.Unauthorized);
        reply.Error("token").Should().Be("is invalid");
    }

    [Fact]
    public async Task Update_sets_bio_and_image_and_keeps_what_is_not_sent()
    {
        var user = await client.RegisterAsync("upd");

        var reply = await client.PutAsync("/api/user", new { user = new { bio = "I write.", image = "https://img.example.test/me.png" } }, user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["user"]!["bio"]!.GetValue<string>().Should().Be("I write.");
        reply.Json["user"]!["image"]!.GetValue<string>().Should().Be("https://img.example.test/me.png");
        reply.Json["user"]!["username"]!.GetValue<string>().Should().Be(user.Username);
        reply.Json["user"]!["email"]!.GetValue<string>().Should().Be(user.Email);
        var again = await client.GetAsync("/api/user", user.Token);
        again.Json!["user"]!["bio"]!.GetValue<string>().Should().Be("I write.");
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("null")]
    public async Task Update_with_empty_or_null_bio_and_image_clears_them(string empty)
    {
        var user = await client.RegisterAsync("clear");
        await client.PutAsync("/api/user", new { user = new { bio = "x", image = "https://img.example.test/x.png" } }, user.Token);

        var reply = await client.PutAsync("/api/user", $$$"""{"user":{"bio":{{{empty}}},"image":{{{empty}}}}}""", user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["user"]!["bio"].Should().BeNull();
        reply.Json["user"]!["image"].Should().BeNull();
    }

    [Fact]
    public async Task Update_of_the_password_lets_the_new_one_in_and_the_old_one_not()
    {
        var user = await client.RegisterAsync("pw");

        var reply = await client.PutAsync("/api/user", new { user = new { password = "a-new-password" } }, user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = "a-new-password" } })).Status.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = "password123" } })).Status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Update_of_username_and_email_keeps_the_token_valid()
    {
        var user = await client.RegisterAsync("rename");
        var username = Unique.Name("renamed");

        var reply = await client.PutAsync("/api/user", new { user = new { username, email = $"{username}@example.test" } }, user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["user"]!["username"]!.GetValue<string>().Should().Be(username);
        var me = await client.GetAsync("/api/user", user.Token);
        me.Json!["user"]!["email"]!.GetValue<string>().Should().Be($"{username}@example.test");
        (await client.GetAsync($"/api/profiles/{username}")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Update_to_a_taken_username_or_email_is_409_and_changes_nothing()
    {
        var taken = await client.RegisterAsync("taken");
        var user = await client.RegisterAsync("taker");

        var username = await client.PutAsync("/api/user", new { user = new { username = taken.Username.ToUpperInvariant() } }, user.Token);
        var email = await client.PutAsync("/api/user", new { user = new { email = taken.Email } }, user.Token);

        username.Status.Should().Be(HttpStatusCode.Conflict);
        username.Error("username").Should().Be("has already been taken");
        email.Status.Should().Be(HttpStatusCode.Conflict);
        email.Error("email").Should().Be("has already been taken");
        (await client.GetAsync("/api/user", user.Token)).Json!["user"]!["username"]!.GetValue<string>().Should().Be(user.Username);
    }

    [Theory]
    [InlineData("""{"user":{"username":""}}""", "username", "can't be blank")]
    [InlineData("""{"user":{"username":null}}""", "username", "can't be blank")]
    [InlineData("""{"user":{"email":""}}""", "email", "can't be blank")]
    [InlineData("""{"user":{"email":"nope"}}""", "email", "is invalid")]
    [InlineData("""{"user":{"password":""}}""", "password", "can't be blank")]
    [InlineData("""{"user":{"password":"short"}}""", "password", "is too short (minimum is 8 characters)")]
    [InlineData("""{"user":{"image":"javascript:alert(1)"}}""", "image", "must be an http or https URL")]
    [InlineData("""{"bio":"no wrapper"}""", "user", "can't be blank")]
    public async Task Update_with_an_invalid_field_is_422_and_changes_nothing(string body, string field, string message)
    {
        var user = await client.RegisterAsync("bad");

        var reply = await client.PutAsync("/api/user", body, user.Token);

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Error(field).Should().Be(message);
        var me = await client.GetAsync("/api/user", user.Token);
        me.Json!["user"]!["username"]!.GetValue<string>().Should().Be(user.Username);
        me.Json["user"]!["image"].Should().BeNull();
        (await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = "password123" } })).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Update_without_a_token_is_401()
    {
        var reply = await client.PutAsync("/api/user", new { user = new { bio = "x" } });

        reply.Status.Should().Be(HttpStatusCode.Unauthorized);
        reply.Error("token").Should().Be("is missing");
    }
}
