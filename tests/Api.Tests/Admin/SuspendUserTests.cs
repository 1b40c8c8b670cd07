using System.Net;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Conduit.Tests.Admin;

/// <summary>
/// SuspendUser (generated with dotnet new conduit-slice, then implemented) and ReinstateUser: what a suspension
/// does to sign-in, sessions on every instance and every public read, and that reinstatement undoes it.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class SuspendUserTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task A_suspended_users_articles_and_comments_disappear_from_every_public_read_and_reappear_on_reinstatement()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var author = await client.RegisterAsync("spammer");
        var reader = await client.RegisterAsync("reader");
        var tag = Unique.Name("tag");
        var sharedTag = Unique.Name("shared");
        var spam = await client.CreateArticleAsync(author, tags: [tag, sharedTag]);
        var kept = await client.CreateArticleAsync(reader, tags: [sharedTag]);
        await client.PostAsync($"/api/articles/{kept}/comments", new { comment = new { body = "buy now" } }, author.Token);
        await client.PostAsync($"/api/articles/{kept}/comments", new { comment = new { body = "nice" } }, reader.Token);
        await client.PostAsync($"/api/profiles/{author.Username}/follow", token: reader.Token);
        await client.PostAsync($"/api/articles/{spam}/favorite", token: reader.Token);
        var before = await VisibleAsync();
        before.Should().Be(new Visible(before.Total, 2, 1, true, 2, true, 1, 1));

        var suspended = await client.PostAsync($"/api/admin/users/{author.Username}/suspend", Moderators.Reason(), moderator.Token);
        suspended.Status.Should().Be(HttpStatusCode.OK, suspended.Text);
        suspended.Json!["user"]!["suspended"]!.GetValue<bool>().Should().BeTrue();

        (await VisibleAsync()).Should().Be(new Visible(before.Total - 1, 1, 0, false, 1, false, 0, 0));
        (await client.GetAsync($"/api/articles/{spam}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await client.GetAsync($"/api/articles/{spam}", reader.Token)).Status.Should().Be(HttpStatusCode.NotFound);
        (await client.GetAsync($"/api/articles/{spam}/comments")).Status.Should().Be(HttpStatusCode.NotFound);
        (await client.PostAsync($"/api/articles/{spam}/favorite", token: reader.Token)).Status.Should().Be(HttpStatusCode.NotFound);
        (await client.PostAsync($"/api/articles/{spam}/comments", new { comment = new { body = "x" } }, reader.Token)).Status.Should().Be(HttpStatusCode.NotFound);

        var reinstated = await client.PostAsync($"/api/admin/users/{author.Username}/reinstate", Moderators.Reason("appeal accepted"), moderator.Token);
        reinstated.Status.Should().Be(HttpStatusCode.OK, reinstated.Text);
        (await VisibleAsync()).Should().Be(before, "nothing was deleted");
        (await client.GetAsync($"/api/articles/{spam}")).Json!["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(1);

        async Task<Visible> VisibleAsync()
        {
            var all = await client.GetAsync("/api/articles?limit=100");
            var byTag = await client.GetAsync($"/api/articles?tag={sharedTag}");
            var byAuthor = await client.GetAsync($"/api/articles?author={author.Username}");
            var tags = (await client.GetAsync("/api/tags")).Json!["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();
            var comments = await client.GetAsync($"/api/articles/{kept}/comments");
            var feed = await client.GetAsync("/api/articles/feed", reader.Token);
            var favorited = await client.GetAsync($"/api/articles?favorited={reader.Username}&tag={tag}");
            var slugs = all.Json!["articles"]!.AsArray().Select(a => a!["slug"]!.GetValue<string>()).ToArray();
            all.Json!["articlesCount"]!.GetValue<long>().Should().Be(slugs.Length, "the total counts exactly what is visible");
            return new Visible(
                all.Json!["articlesCount"]!.GetValue<long>(),
                byTag.Json!["articlesCount"]!.GetValue<long>(),
                byAuthor.Json!["articlesCount"]!.GetValue<long>(),
                tags.Contains(tag) && slugs.Contains(spam),
                comments.Json!["comments"]!.AsArray().Count,
                comments.Json!["comments"]!.AsArray().Any(c => c!["author"]!["username"]!.GetValue<string>() == author.Username),
                feed.Json!["articlesCount"]!.GetValue<long>(),
                favorited.Json!["articlesCount"]!.GetValue<long>());
        }
    }

    [Fact]
    public async Task Writes_on_a_hidden_article_are_404_like_reads_and_change_nothing()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var author = await client.RegisterAsync("hiddenauthor");
        var reader = await client.RegisterAsync("hiddenreader");
        var slug = await client.CreateArticleAsync(author);
        var comment = await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "mine" } }, reader.Token);
        var id = comment.Json!["comment"]!["id"]!.GetValue<long>();
        (await client.PostAsync($"/api/articles/{slug}/favorite", token: reader.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync($"/api/admin/users/{author.Username}/suspend", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);

        var writes = new[]
        {
            await client.DeleteAsync($"/api/articles/{slug}/comments/{id}", reader.Token),
            await client.DeleteAsync($"/api/articles/{slug}/favorite", reader.Token),
            await client.PutAsync($"/api/articles/{slug}", new { article = new { title = "taken over" } }, reader.Token),
            await client.DeleteAsync($"/api/articles/{slug}", reader.Token),
        };

        writes.Select(reply => reply.Status).Should().AllBeEquivalentTo(HttpStatusCode.NotFound, "a hidden article does not exist for anyone else");
        (await client.PostAsync($"/api/admin/users/{author.Username}/reinstate", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);
        var article = await client.GetAsync($"/api/articles/{slug}", reader.Token);
        article.Json!["article"]!["favorited"]!.GetValue<bool>().Should().BeTrue("the refused unfavorite changed nothing");
        article.Json!["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(1);
        (await client.GetAsync($"/api/articles/{slug}/comments")).Json!["comments"]!.AsArray().Should().ContainSingle();
    }

    [Fact]
    public async Task A_suspended_user_cannot_sign_in_or_refresh_and_can_again_after_reinstatement()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var user = await client.RegisterAsync("banned");
        var session = await client.SignInAsync(user);

        (await client.PostAsync($"/api/admin/users/{user.Username}/suspend", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);

        var login = await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = "password123" } });
        login.Status.Should().Be(HttpStatusCode.Forbidden);
        login.Error("user").Should().Be("suspended");
        var wrongPassword = await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = "not-the-password" } });
        wrongPassword.Status.Should().Be(HttpStatusCode.Unauthorized, "only the password's owner learns of the suspension");
        (await client.RefreshAsync(session.RefreshToken)).Status.Should().Be(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/api/user", session.Token)).Status.Should().Be(HttpStatusCode.Unauthorized);

        (await client.PostAsync($"/api/admin/users/{user.Username}/reinstate", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);
        var again = await client.SignInAsync(user);
        (await client.GetAsync("/api/user", again.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("/api/user", session.Token)).Status.Should().Be(HttpStatusCode.Unauthorized, "ended sessions stay ended");
    }

    [Fact]
    public async Task A_suspended_users_old_token_is_refused_within_a_second_on_every_instance()
    {
        using var secondInstance = api.WithWebHostBuilder(_ => { });
        using var two = new ConduitClient(secondInstance.CreateClient());
        var moderator = await api.WithRoleAsync(client, "moderator");
        var user = await client.RegisterAsync("twice");
        var other = await client.SignInAsync(user);
        (await two.GetAsync("/api/user", user.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await two.GetAsync("/api/user", other.Token)).Status.Should().Be(HttpStatusCode.OK);

        (await client.PostAsync($"/api/admin/users/{user.Username}/suspend", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);

        foreach (var (instance, token) in new[] { (client, user.Token), (two, user.Token), (client, other.Token), (two, other.Token) })
        {
            var took = await ConduitClient.UntilAsync(() => instance.GetAsync("/api/user", token), HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(3));
            took.Should().BeLessThan(TimeSpan.FromSeconds(1));
        }

        (await two.PostAsync("/api/articles", new { article = new { title = "t", description = "d", body = "b" } }, user.Token)).Status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Unknown_users_are_404_and_suspending_twice_changes_nothing_more()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var user = await client.RegisterAsync("twice");
        (await client.PostAsync("/api/admin/users/nobody_here_at_all/suspend", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.NotFound);
        (await client.PostAsync("/api/admin/users/nobody_here_at_all/reinstate", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.NotFound);

        (await client.PostAsync($"/api/admin/users/{user.Username.ToUpperInvariant()}/suspend", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync($"/api/admin/users/{user.Username}/suspend", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);

        var listed = await client.GetAsync($"/api/admin/users?q={user.Username}", moderator.Token);
        listed.Json!["users"]![0]!["suspended"]!.GetValue<bool>().Should().BeTrue();
        var audit = await client.GetAsync($"/api/admin/audit?actor={moderator.Username}&action=suspend", moderator.Token);
        audit.Json!["entriesCount"]!.GetValue<long>().Should().Be(2);
        audit.Json!["entries"]![0]!["target"]!.GetValue<string>().Should().Be($"user:{user.Username}");
    }

    private sealed record Visible(long Total, long ByTag, long ByAuthor, bool SpamShown, int Comments, bool SpamCommentShown, long Feed, long Favorited);
}
