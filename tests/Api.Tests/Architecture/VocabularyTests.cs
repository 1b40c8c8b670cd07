using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;
using Conduit.Features.Live;
using Conduit.Features.Shared;
using Conduit.Infrastructure.Caching;
using Conduit.Tests.Admin;
using Conduit.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Conduit.Tests.Architecture;

/// <summary>
/// What C# and SQL both say — cache tags, live topics and event types, NOTIFY channels, advisory-lock keys — is
/// defined once in C# (<see cref="CacheTags"/>, <see cref="LiveTopics"/>, <see cref="Channels"/>, <see cref="LockKeys"/>);
/// these tests run every kind of write through the API, read what the triggers sent, and fail on anything the C#
/// side does not know (or a kind the C# side defines that no trigger sends any more).
/// </summary>
public sealed partial class VocabularyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Every_tag_the_triggers_send_is_a_CacheTag_and_every_kind_of_CacheTag_is_sent()
    {
        var sent = new ConcurrentBag<string>();
        await using var listener = await api.OpenDatabaseAsync();
        listener.Notification += (_, notification) =>
        {
            foreach (var tag in notification.Payload.Split(' ').Skip(1))
            {
                sent.Add(tag);
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {ContentChanges.ChannelName}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await EveryKindOfWriteAsync();
        while (await listener.WaitAsync(TimeSpan.FromMilliseconds(500)))
        {
        }

        sent.Where(tag => !CacheTags.IsKnown(tag)).Distinct().Should().BeEmpty("every tag a trigger sends must be defined in CacheTags");
        sent.Select(tag => char.IsDigit(tag[^1]) ? tag[..1] : tag).Distinct().Should().BeEquivalentTo(
            [CacheTags.ArticleList, CacheTags.ArticleText, CacheTags.TagsInUse, CacheTags.NewUser, CacheTags.Everything,
             CacheTags.Article(1)[..1], CacheTags.Comments(1)[..1], CacheTags.Profile(1)[..1], CacheTags.Tag(1)[..1], CacheTags.Author(1)[..1], CacheTags.Favorites(1)[..1]],
            "each kind CacheTags defines is one some trigger sends");
    }

    [Fact]
    public async Task Every_live_event_the_triggers_write_has_a_known_topic_and_type_and_every_type_is_written()
    {
        await EveryKindOfWriteAsync();

        await using var connection = await api.OpenDatabaseAsync();
        var events = (await connection.QueryAsync<(string Topic, string Type)>("SELECT topic, type FROM live_events")).ToList();

        events.Select(e => e.Topic).Where(topic => !LiveTopics.IsKnown(topic)).Distinct().Should().BeEmpty("every topic must be defined in LiveTopics");
        events.Select(e => e.Type).Distinct().Should().BeEquivalentTo(LiveTopics.EventTypes, "the types written are exactly the types LiveTopics documents");
        events.Select(e => e.Topic[..1]).Distinct().Should().BeEquivalentTo([LiveTopics.Comments(1)[..1], LiveTopics.User(1)[..1]]);
    }

    [Fact]
    public void Every_channel_and_literal_lock_key_in_the_migrations_is_defined_in_CSharp()
    {
        // The statements, not the prose: comments are dropped first.
        var sql = SqlComment().Replace(string.Join('\n', Migrations().Select(name => new StreamReader(typeof(Program).Assembly.GetManifestResourceStream(name)!).ReadToEnd())), "");
        string[] channels = [Channels.SessionRevoked, Channels.LiveEvents, ContentChanges.ChannelName];
        long[] keys = [LockKeys.PrivilegedRoles, LockKeys.LiveEventOrder];

        var notified = NotifiedChannel().Matches(sql).Select(match => match.Groups["channel"].Value).Distinct().ToList();
        var locked = LiteralLock().Matches(sql).Select(match => long.Parse(match.Groups["key"].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();

        notified.Should().BeSubsetOf(channels).And.NotBeEmpty();
        locked.Should().BeSubsetOf(keys).And.Contain(LockKeys.LiveEventOrder);
        keys.Should().OnlyHaveUniqueItems();
    }

    private static IEnumerable<string> Migrations() =>
        typeof(Program).Assembly.GetManifestResourceNames().Where(name => name.StartsWith("Migrations.", StringComparison.Ordinal));

    /// <summary>A write of every kind a trigger reports on: users, profiles, articles and their text, tags, favorites, comments, follows, a suspension.</summary>
    private async Task EveryKindOfWriteAsync()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("vocab");
        var reader = await client.RegisterAsync("vocabreader");
        var moderator = await api.WithRoleAsync(client, "moderator");
        (await client.PostAsync($"/api/profiles/{author.Username}/follow", token: reader.Token)).Status.Should().Be(System.Net.HttpStatusCode.OK);
        var slug = await client.CreateArticleAsync(author, tags: [Unique.Name("tag")]);
        await client.PutAsync($"/api/articles/{slug}", new { article = new { body = "edited" } }, author.Token);
        await client.PostAsync($"/api/articles/{slug}/favorite", token: reader.Token);
        var comment = await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "hello" } }, reader.Token);
        await client.DeleteAsync($"/api/articles/{slug}/comments/{comment.Json!["comment"]!["id"]}", reader.Token);
        await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "again" } }, reader.Token);
        await client.PutAsync("/api/user", new { user = new { bio = "new bio" } }, author.Token);
        await client.PostAsync($"/api/admin/users/{reader.Username}/suspend", Moderators.Reason(), moderator.Token);
        await client.DeleteAsync($"/api/articles/{slug}", author.Token);
    }

    [GeneratedRegex("--[^\n]*")]
    private static partial Regex SqlComment();

    [GeneratedRegex(@"pg_notify\('(?<channel>[a-z_]+)'|\bNOTIFY\s+(?<channel>[a-z_]+)")]
    private static partial Regex NotifiedChannel();

    [GeneratedRegex(@"pg_advisory(?:_xact)?_lock\((?<key>\d+)\)")]
    private static partial Regex LiteralLock();
}
