using System.Net;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Conduit.Tests.Users.Sessions;

/// <summary>RefreshSession, Logout, ListSessions, EndSession, EndOtherSessions, and what a password change ends.</summary>
public sealed class SessionsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>Revocation reaches every instance's memory through NOTIFY: on the revoking one too, within the promised second.</summary>
    private static readonly TimeSpan Promise = TimeSpan.FromSeconds(1);

    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Register_and_login_return_a_refresh_token_next_to_the_token()
    {
        var name = Unique.Name("both");
        var registered = await client.SendAsync(HttpMethod.Post, "/api/users", new { user = new { username = name, email = $"{name}@example.test", password = "password123" } }, forwardedFor: ClientAddresses.Next());
        var login = await client.PostAsync("/api/users/login", new { user = new { email = $"{name}@example.test", password = "password123" } });

        foreach (var reply in new[] { registered, login })
        {
            reply.Json!["user"]!["token"]!.GetValue<string>().Should().NotBeNullOrEmpty();
            reply.Json["user"]!["refreshToken"]!.GetValue<string>().Should().MatchRegex("^[0-9a-f]{32}\\.[A-Za-z0-9_-]{43}$");
        }

        registered.Json!["user"]!["refreshToken"]!.GetValue<string>().Should().NotBe(login.Json!["user"]!["refreshToken"]!.GetValue<string>());
        (await client.GetAsync("/api/user", login.Json!["user"]!["token"]!.GetValue<string>())).Json!["user"]!["refreshToken"].Should().BeNull("only sign-in and refresh hand one out");
    }

    [Fact]
    public async Task Refresh_answers_like_login_with_a_new_access_token_and_a_new_refresh_token_of_the_same_session()
    {
        var user = await client.RegisterAsync("refresh");
        var session = await client.SignInAsync(user);

        var reply = await client.RefreshAsync(session.RefreshToken);

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["user"]!["username"]!.GetValue<string>().Should().Be(user.Username);
        reply.Json["user"]!["email"]!.GetValue<string>().Should().Be(user.Email);
        var refreshToken = reply.Json["user"]!["refreshToken"]!.GetValue<string>();
        var token = reply.Json["user"]!["token"]!.GetValue<string>();
        refreshToken.Should().NotBe(session.RefreshToken).And.StartWith(session.RefreshToken[..33], "the session stays, its secret changes");
        (await client.GetAsync("/api/user", token)).Status.Should().Be(HttpStatusCode.OK);
        var sessions = await client.GetAsync("/api/user/sessions", token);
        sessions.Json!["sessions"]!.AsArray().Should().HaveCount(2, "register and one login; a refresh adds none");
        (await client.RefreshAsync(refreshToken)).Status.Should().Be(HttpStatusCode.OK, "the successor refreshes in turn");
    }

    [Fact]
    public async Task The_previous_refresh_token_within_the_reuse_interval_gets_the_same_successor()
    {
        var user = await client.RegisterAsync("tabs");
        var session = await client.SignInAsync(user);

        var first = await client.RefreshAsync(session.RefreshToken);
        var second = await client.RefreshAsync(session.RefreshToken);

        second.Status.Should().Be(HttpStatusCode.OK);
        second.Json!["user"]!["refreshToken"]!.GetValue<string>().Should().Be(first.Json!["user"]!["refreshToken"]!.GetValue<string>());
        (await client.RefreshAsync(first.Json!["user"]!["refreshToken"]!.GetValue<string>())).Status.Should().Be(HttpStatusCode.OK, "the chain goes on");
    }

    [Fact]
    public async Task A_spent_refresh_token_after_the_reuse_interval_ends_the_whole_session()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Sessions:RefreshReuseInterval", "00:00:00"));
        using var strict = new ConduitClient(factory.CreateClient());
        var user = await strict.RegisterAsync("replay");
        var session = await strict.SignInAsync(user);
        var rotated = await strict.RefreshAsync(session.RefreshToken);
        var successor = rotated.Json!["user"]!["refreshToken"]!.GetValue<string>();
        var token = rotated.Json["user"]!["token"]!.GetValue<string>();

        var replay = await strict.RefreshAsync(session.RefreshToken);

        replay.Status.Should().Be(HttpStatusCode.Unauthorized);
        replay.Error("refreshToken").Should().Be("is invalid");
        (await strict.RefreshAsync(successor)).Status.Should().Be(HttpStatusCode.Unauthorized, "the thief's or the client's successor: the session is gone for both");
        (await ConduitClient.UntilAsync(() => strict.GetAsync("/api/user", token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise);
        (await strict.GetAsync("/api/user", user.Token)).Status.Should().Be(HttpStatusCode.OK, "only that session ends");
    }

    [Theory]
    [InlineData("refreshed_at", "31 days")]
    [InlineData("created_at", "366 days")]
    public async Task A_refresh_token_past_its_idle_or_absolute_lifetime_is_401(string column, string age)
    {
        var user = await client.RegisterAsync("aged");
        var session = await client.SignInAsync(user);
        await using (var connection = await api.OpenDatabaseAsync())
        {
            // Columns from the InlineData above, never from input.
            await using var command = new NpgsqlCommand($"UPDATE sessions SET {column} = now() - interval '{age}' WHERE id = @id", connection);
            command.Parameters.AddWithValue("id", Guid.ParseExact(session.RefreshToken[..32], "N"));
            (await command.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var reply = await client.RefreshAsync(session.RefreshToken);

        reply.Status.Should().Be(HttpStatusCode.Unauthorized);
        reply.Error("refreshToken").Should().Be("is invalid");
    }

    [Fact]
    public async Task Logout_ends_the_current_session_everywhere_and_no_other()
    {
        var user = await client.RegisterAsync("logout");
        var session = await client.SignInAsync(user);

        var reply = await client.PostAsync("/api/users/logout", token: session.Token);

        reply.Status.Should().Be(HttpStatusCode.NoContent);
        (await ConduitClient.UntilAsync(() => client.GetAsync("/api/user", session.Token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise);
        (await client.RefreshAsync(session.RefreshToken)).Status.Should().Be(HttpStatusCode.Unauthorized);
        var anonymous = await client.GetAsync("/api/articles", session.Token);
        anonymous.Status.Should().Be(HttpStatusCode.OK, "a public page answers an ended session as anonymous");
        anonymous.WwwAuthenticate.Should().Be("Token error=\"invalid_token\"");
        (await client.GetAsync("/api/user", user.Token)).Status.Should().Be(HttpStatusCode.OK, "the sign-up's session is another one");
    }

    [Fact]
    public async Task List_sessions_shows_each_sign_in_with_its_client_and_marks_the_current_one()
    {
        var user = await client.RegisterAsync("devices");
        var phone = await client.SignInAsync(user, "ConduitPhone/1.0");
        var laptop = await client.SignInAsync(user, "ConduitLaptop/2.0");

        var reply = await client.GetAsync("/api/user/sessions", laptop.Token);

        reply.Status.Should().Be(HttpStatusCode.OK);
        var sessions = reply.Json!["sessions"]!.AsArray();
        sessions.Should().HaveCount(3);
        var current = sessions.Single(session => session!["current"]!.GetValue<bool>())!;
        current["id"]!.GetValue<string>().Replace("-", "", StringComparison.Ordinal).Should().Be(laptop.RefreshToken[..32]);
        current["userAgent"]!.GetValue<string>().Should().Be("ConduitLaptop/2.0");
        current["clientAddress"]!.GetValue<string>().Should().MatchRegex(@"^198\.1[89]\.");
        current["createdAt"]!.GetValue<string>().Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$");
        current["lastSeenAt"].Should().NotBeNull();
        sessions.Select(session => session!["userAgent"]?.GetValue<string>()).Should().Contain("ConduitPhone/1.0");
        (await client.GetAsync("/api/user/sessions", phone.Token)).Json!["sessions"]!.AsArray()
            .Single(session => session!["current"]!.GetValue<bool>())!["userAgent"]!.GetValue<string>().Should().Be("ConduitPhone/1.0");
    }

    [Fact]
    public async Task End_session_ends_that_session_only_and_leaves_the_list()
    {
        var user = await client.RegisterAsync("endone");
        var phone = await client.SignInAsync(user);
        var laptop = await client.SignInAsync(user);
        var phoneId = Guid.ParseExact(phone.RefreshToken[..32], "N");

        var reply = await client.DeleteAsync($"/api/user/sessions/{phoneId}", laptop.Token);

        reply.Status.Should().Be(HttpStatusCode.NoContent);
        (await ConduitClient.UntilAsync(() => client.GetAsync("/api/user", phone.Token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise);
        (await client.RefreshAsync(phone.RefreshToken)).Status.Should().Be(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/api/user", laptop.Token)).Status.Should().Be(HttpStatusCode.OK);
        var ids = (await client.GetAsync("/api/user/sessions", laptop.Token)).Json!["sessions"]!.AsArray().Select(session => session!["id"]!.GetValue<string>());
        ids.Should().NotContain(phoneId.ToString()).And.HaveCount(2);
        (await client.DeleteAsync($"/api/user/sessions/{phoneId}", laptop.Token)).Status.Should().Be(HttpStatusCode.NoContent, "ending an ended session again changes nothing");
    }

    [Fact]
    public async Task Ending_another_users_session_is_404_like_an_unknown_one_and_it_keeps_working()
    {
        var victim = await client.RegisterAsync("victim");
        var victimSession = await client.SignInAsync(victim);
        var intruder = await client.RegisterAsync("intruder");

        var other = await client.DeleteAsync($"/api/user/sessions/{Guid.ParseExact(victimSession.RefreshToken[..32], "N")}", intruder.Token);
        var unknown = await client.DeleteAsync($"/api/user/sessions/{Guid.NewGuid()}", intruder.Token);
        var malformed = await client.DeleteAsync("/api/user/sessions/not-a-session", intruder.Token);

        other.Status.Should().Be(HttpStatusCode.NotFound);
        other.Error("session").Should().Be("not found");
        other.Text.Should().Be(unknown.Text, "the answer must not tell that the session exists");
        malformed.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        malformed.Error("id").Should().Be("is invalid");
        await Task.Delay(200);
        (await client.GetAsync("/api/user", victimSession.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.RefreshAsync(victimSession.RefreshToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task End_other_sessions_keeps_only_the_current_one()
    {
        var user = await client.RegisterAsync("others");
        var phone = await client.SignInAsync(user);
        var laptop = await client.SignInAsync(user);

        var reply = await client.DeleteAsync("/api/user/sessions", laptop.Token);

        reply.Status.Should().Be(HttpStatusCode.NoContent);
        (await ConduitClient.UntilAsync(() => client.GetAsync("/api/user", phone.Token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise);
        (await ConduitClient.UntilAsync(() => client.GetAsync("/api/user", user.Token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise);
        (await client.RefreshAsync(phone.RefreshToken)).Status.Should().Be(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/api/user", laptop.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.RefreshAsync(laptop.RefreshToken)).Status.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("/api/user/sessions", laptop.Token)).Json!["sessions"]!.AsArray().Should().ContainSingle();
    }

    [Fact]
    public async Task Changing_the_password_ends_every_other_session_and_other_changes_end_none()
    {
        var user = await client.RegisterAsync("newpw");
        var phone = await client.SignInAsync(user);
        var laptop = await client.SignInAsync(user);

        (await client.PutAsync("/api/user", new { user = new { bio = "still here" } }, laptop.Token)).Status.Should().Be(HttpStatusCode.OK);
        await Task.Delay(200);
        (await client.GetAsync("/api/user", phone.Token)).Status.Should().Be(HttpStatusCode.OK, "a bio is not a password");
        var reply = await client.PutAsync("/api/user", new { user = new { password = "a-new-password" } }, laptop.Token);

        reply.Status.Should().Be(HttpStatusCode.OK);
        (await ConduitClient.UntilAsync(() => client.GetAsync("/api/user", phone.Token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise);
        (await client.RefreshAsync(phone.RefreshToken)).Status.Should().Be(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/api/user", reply.Json!["user"]!["token"]!.GetValue<string>())).Status.Should().Be(HttpStatusCode.OK, "the session that changed it stays");
        (await client.RefreshAsync(laptop.RefreshToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Last_seen_is_written_in_batches_not_per_request()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Sessions:LastSeenFlushInterval", "00:00:00.200"));
        using var quick = new ConduitClient(factory.CreateClient());
        var user = await quick.RegisterAsync("seen");
        var session = await quick.SignInAsync(user);
        var id = Guid.ParseExact(session.RefreshToken[..32], "N");
        await using var connection = await api.OpenDatabaseAsync();
        await using (var back = new NpgsqlCommand("UPDATE sessions SET last_seen_at = now() - interval '1 day' WHERE id = @id", connection))
        {
            back.Parameters.AddWithValue("id", id);
            await back.ExecuteNonQueryAsync();
        }

        for (var i = 0; i < 20; i++)
        {
            (await quick.GetAsync("/api/articles", session.Token)).Status.Should().Be(HttpStatusCode.OK);
        }

        var seen = DateTime.MinValue;
        for (var wait = 0; wait < 50 && seen < DateTime.UtcNow.AddMinutes(-1); wait++)
        {
            await Task.Delay(100);
            await using var read = new NpgsqlCommand("SELECT last_seen_at FROM sessions WHERE id = @id", connection);
            read.Parameters.AddWithValue("id", id);
            seen = (DateTime)(await read.ExecuteScalarAsync())!;
        }

        seen.Should().BeAfter(DateTime.UtcNow.AddMinutes(-1));
    }

    [Theory]
    [InlineData("POST", "/api/users/logout")]
    [InlineData("GET", "/api/user/sessions")]
    [InlineData("DELETE", "/api/user/sessions")]
    [InlineData("DELETE", "/api/user/sessions/00000000-0000-0000-0000-000000000001")]
    public async Task The_session_endpoints_need_a_token(string method, string path)
    {
        var missing = await client.SendAsync(new HttpMethod(method), path);
        var invalid = await client.SendAsync(new HttpMethod(method), path, token: "not.a.jwt");

        missing.Status.Should().Be(HttpStatusCode.Unauthorized);
        missing.Error("token").Should().Be("is missing");
        invalid.Status.Should().Be(HttpStatusCode.Unauthorized);
        invalid.Error("token").Should().Be("is invalid");
    }
}
