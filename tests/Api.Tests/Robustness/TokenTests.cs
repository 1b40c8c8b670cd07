using System.Net;
using System.Security.Claims;
using System.Text;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Conduit.Tests.Robustness;

/// <summary>Only a token this API signed, for a user that exists, within its lifetime, gets in.</summary>
public sealed class TokenTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    public static TheoryData<string> ForgedTokens => ["alg-none", "wrong-key", "expired", "not-yet-valid", "tampered-payload", "wrong-issuer", "wrong-audience", "garbage", "empty-signature"];

    [Fact]
    public async Task A_valid_token_gets_in()
    {
        var user = await client.RegisterAsync("valid");
        var token = Sign(await UserIdAsync(user), DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddHours(1), session: await SessionIdAsync(user));

        (await client.GetAsync("/api/user", token)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_signed_with_the_key_but_naming_no_session_is_401()
    {
        // What this API issued before sessions existed: it could never be revoked, so it is not accepted.
        var user = await client.RegisterAsync("legacy");
        var token = Sign(await UserIdAsync(user), DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddHours(1));

        var read = await client.GetAsync("/api/user", token);

        read.Status.Should().Be(HttpStatusCode.Unauthorized);
        read.Error("token").Should().Be("is invalid");
    }

    [Fact]
    public async Task A_token_older_than_the_configured_lifetime_is_401_even_if_it_says_it_lives_longer()
    {
        var user = await client.RegisterAsync("aged");
        var token = Sign(await UserIdAsync(user), DateTime.UtcNow.AddDays(-8), DateTime.UtcNow.AddDays(30), session: await SessionIdAsync(user));

        (await client.GetAsync("/api/user", token)).Status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task A_forged_or_stale_token_is_401_where_a_token_is_needed_and_anonymous_where_it_is_optional(string kind)
    {
        var user = await client.RegisterAsync("victim");
        var token = Forge(kind, await UserIdAsync(user), user.Token);

        var read = await client.GetAsync("/api/user", token);
        var write = await client.PostAsync("/api/articles", new { article = new { title = "t", description = "d", body = "b" } }, token);
        var optional = await client.GetAsync("/api/articles", token);

        read.Status.Should().Be(HttpStatusCode.Unauthorized, kind);
        read.Error("token").Should().Be("is invalid");
        write.Status.Should().Be(HttpStatusCode.Unauthorized, kind);
        optional.Status.Should().Be(HttpStatusCode.OK, "where a token is optional a bad one is answered as anonymous");
        optional.WwwAuthenticate.Should().Be("Token error=\"invalid_token\"", "the client must be able to tell its token was not taken");
        read.WwwAuthenticate.Should().Be("Token error=\"invalid_token\"");
        (await client.GetAsync($"/api/articles?author={user.Username}")).Json!["articlesCount"]!.GetValue<int>().Should().Be(0);
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Token")]
    [InlineData("Token ")]
    [InlineData("Digest abc")]
    public async Task A_wrong_scheme_or_an_empty_token_is_401(string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/user");
        request.Headers.TryAddWithoutValidation("Authorization", header);

        using var response = await client.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Reading_or_editing_the_user_answers_with_the_presented_token_never_a_renewed_one()
    {
        var user = await client.RegisterAsync("poller");
        // Close to its end: a renewed token would outlive it, which is how a leaked token once kept itself alive.
        var token = Sign(await UserIdAsync(user), DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(2), session: await SessionIdAsync(user));

        var read = await client.GetAsync("/api/user", token);
        var edited = await client.PutAsync("/api/user", new { user = new { bio = "still here" } }, token);

        read.Json!["user"]!["token"]!.GetValue<string>().Should().Be(token);
        edited.Json!["user"]!["token"]!.GetValue<string>().Should().Be(token);
    }

    [Fact]
    public async Task No_token_outlives_its_sessions_idle_or_absolute_lifetime()
    {
        using var factory = api.WithWebHostBuilder(builder => builder
            .UseSetting("Sessions:RefreshIdleLifetime", "00:01:00").UseSetting("Sessions:RefreshAbsoluteLifetime", "00:02:00"));
        using var shortLived = new ConduitClient(factory.CreateClient());
        var user = await shortLived.RegisterAsync("brief");
        var session = await shortLived.SignInAsync(user);
        var refreshed = await shortLived.RefreshAsync(session.RefreshToken);

        Lifetime(user.Token).Should().BeLessThanOrEqualTo(TimeSpan.FromMinutes(1), "Jwt:Lifetime is 7 days, the refresh token's idle lifetime 1 minute");
        Lifetime(refreshed.Json!["user"]!["token"]!.GetValue<string>()).Should().BeLessThanOrEqualTo(TimeSpan.FromMinutes(1));

        var id = await UserIdAsync(user);
        var sid = await SessionIdAsync(user);
        var idle = Sign(id, DateTime.UtcNow.AddMinutes(-3), DateTime.UtcNow.AddHours(1), session: sid);
        var pastAbsolute = Sign(id, DateTime.UtcNow, DateTime.UtcNow.AddHours(1), session: sid, sessionStarted: DateTime.UtcNow.AddMinutes(-5));
        var fresh = Sign(id, DateTime.UtcNow, DateTime.UtcNow.AddHours(1), session: sid, sessionStarted: DateTime.UtcNow);
        (await shortLived.GetAsync("/api/user", idle)).Status.Should().Be(HttpStatusCode.Unauthorized, "issued longer ago than the idle lifetime");
        (await shortLived.GetAsync("/api/user", pastAbsolute)).Status.Should().Be(HttpStatusCode.Unauthorized, "its session began longer ago than the absolute lifetime");
        (await shortLived.GetAsync("/api/user", fresh)).Status.Should().Be(HttpStatusCode.OK);

        static TimeSpan Lifetime(string token)
        {
            var jwt = new JsonWebToken(token);
            return jwt.ValidTo - jwt.IssuedAt;
        }
    }

    [Fact]
    public async Task The_token_of_a_deleted_user_is_401_and_writes_nothing()
    {
        var user = await client.RegisterAsync("deleted");
        await using (var connection = await api.OpenDatabaseAsync())
        {
            await using var delete = new NpgsqlCommand("DELETE FROM users WHERE username = @name", connection);
            delete.Parameters.AddWithValue("name", user.Username);
            (await delete.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var read = await client.GetAsync("/api/user", user.Token);
        var update = await client.PutAsync("/api/user", new { user = new { bio = "ghost" } }, user.Token);
        var create = await client.PostAsync("/api/articles", new { article = new { title = "t", description = "d", body = "b" } }, user.Token);
        var follow = await client.PostAsync($"/api/profiles/{(await client.RegisterAsync("target")).Username}/follow", token: user.Token);

        read.Status.Should().Be(HttpStatusCode.Unauthorized);
        update.Status.Should().Be(HttpStatusCode.Unauthorized);
        create.Status.Should().Be(HttpStatusCode.Unauthorized);
        ((int)follow.Status).Should().BeOneOf(401, 404);
    }

    private async Task<long> UserIdAsync(TestUser user)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM users WHERE username = @name", connection);
        command.Parameters.AddWithValue("name", user.Username);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string Forge(string kind, long userId, string validToken)
    {
        var now = DateTime.UtcNow;
        return kind switch
        {
            "alg-none" => $"{Base64Url("""{"alg":"none","typ":"JWT"}""")}.{Base64Url($$"""{"sub":"{{userId}}","iss":"conduit","aud":"conduit","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""")}.",
            "wrong-key" => Sign(userId, now, now.AddHours(1), key: "another-key-that-is-long-enough-0123456789"),
            "expired" => Sign(userId, now.AddHours(-2), now.AddHours(-1)),
            "not-yet-valid" => Sign(userId, now.AddHours(1), now.AddHours(2)),
            "tampered-payload" => Tamper(validToken, userId),
            "wrong-issuer" => Sign(userId, now, now.AddHours(1), issuer: "someone-else"),
            "wrong-audience" => Sign(userId, now, now.AddHours(1), audience: "someone-else"),
            "garbage" => "definitely-not-a-jwt",
            "empty-signature" => validToken[..(validToken.LastIndexOf('.') + 1)],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>Keeps header and signature, swaps the payload for one naming another user.</summary>
    private static string Tamper(string token, long userId)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace($"\"sub\":\"{userId}\"", $"\"sub\":\"{userId + 1}\"", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64Url(payload)}.{parts[2]}";
    }

    private async Task<Guid> SessionIdAsync(TestUser user)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = @name", connection);
        command.Parameters.AddWithValue("name", user.Username);
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    private static string Sign(
        long userId, DateTime notBefore, DateTime expires, string key = ApiFactory.SigningKey, string issuer = "conduit", string audience = "conduit", Guid? session = null, DateTime? sessionStarted = null)
    {
        Claim[] claims =
        [
            new Claim(JwtRegisteredClaimNames.Sub, userId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            .. session is { } sid ? [new Claim("sid", sid.ToString())] : Array.Empty<Claim>(),
            .. sessionStarted is { } started
                ? [new Claim("auth_time", new DateTimeOffset(started).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64)]
                : Array.Empty<Claim>(),
        ];
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    private static string Base64Url(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
}
