using Dapper;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Conduit.Features.Demo;

/// <summary>
/// <c>--demo</c> (<c>./run.sh --demo</c>): a small, realistic site — users with known passwords, articles with
/// tags, comments, favorites, follows — so a front end pointed at a fresh checkout shows something. Idempotent:
/// every row has a natural key (username, slug, the pair, the comment's author and text) and is inserted only when
/// missing, so a second run changes nothing (not even the counters, which move only with rows really inserted).
/// </summary>
public static class DemoData
{
    public sealed record DemoUser(string Username, string Email, string Password, string Role, string Bio);

    public static readonly IReadOnlyList<DemoUser> Users =
    [
        new("alice", "alice@demo.conduit.test", "demo-alice-2026", "admin", "Editor of the demo site. Writes about databases."),
        new("bruno", "bruno@demo.conduit.test", "demo-bruno-2026", "moderator", "Frontend developer, occasional moderator."),
        new("chen", "chen@demo.conduit.test", "demo-chen-2026", "user", "Distributed systems, coffee, long runs."),
        new("dara", "dara@demo.conduit.test", "demo-dara-2026", "user", "Learning C# one slice at a time."),
    ];

    // (slug, author, title, description, body, tags, days ago)
    private static readonly (string Slug, string Author, string Title, string Description, string Body, string[] Tags, int DaysAgo)[] Articles =
    [
        ("indexes-that-pay-for-themselves", "alice", "Indexes that pay for themselves", "Partial indexes, covering indexes, and when to skip them",
            "Every index costs a little on each write. A partial index that holds only the rows a page reads costs less and answers faster.", ["postgresql", "performance"], 9),
        ("vertical-slices-in-practice", "dara", "Vertical slices in practice", "One use case, one file",
            "Instead of controllers, services and repositories, each use case owns its request, validator, handler and SQL.", ["csharp", "architecture"], 7),
        ("listen-notify-for-cache-invalidation", "chen", "LISTEN/NOTIFY for cache invalidation", "Tell every instance what changed, at commit",
            "A trigger sends a notification inside the writing transaction, so it is delivered at commit and never for a rollback.", ["postgresql", "caching", "distributed-systems"], 5),
        ("a-calm-react-data-layer", "bruno", "A calm React data layer", "Fewer spinners, fewer refetches",
            "ETags and If-None-Match let the browser revalidate cheaply; a 304 costs a few bytes.", ["react", "performance"], 3),
        ("running-three-instances-on-a-laptop", "chen", "Running three instances on a laptop", "nginx, a replica and read-your-writes",
            "Anonymous reads go to the replica only once it has replayed past the request's start.", ["distributed-systems", "nginx"], 1),
    ];

    // (article slug, author, body)
    private static readonly (string Slug, string Author, string Body)[] Comments =
    [
        ("indexes-that-pay-for-themselves", "chen", "The partial index trick saved us a lot of disk."),
        ("indexes-that-pay-for-themselves", "dara", "How do you decide when an index is not worth it?"),
        ("vertical-slices-in-practice", "alice", "The one-file rule makes reviews so much easier."),
        ("listen-notify-for-cache-invalidation", "bruno", "What happens when the listener disconnects?"),
        ("listen-notify-for-cache-invalidation", "chen", "Every read goes to the database until it is back, then the cache starts empty."),
        ("a-calm-react-data-layer", "dara", "Trying this on my side project this weekend."),
    ];

    private static readonly (string Username, string Slug)[] Favorites =
    [
        ("chen", "indexes-that-pay-for-themselves"), ("dara", "indexes-that-pay-for-themselves"), ("bruno", "listen-notify-for-cache-invalidation"),
        ("alice", "listen-notify-for-cache-invalidation"), ("dara", "listen-notify-for-cache-invalidation"), ("alice", "a-calm-react-data-layer"),
        ("chen", "vertical-slices-in-practice"),
    ];

    private static readonly (string Follower, string Followee)[] Follows =
    [
        ("dara", "alice"), ("dara", "chen"), ("bruno", "chen"), ("chen", "alice"), ("alice", "dara"),
    ];

    // Set-based, one statement per table, in one transaction; natural keys make every insert conditional.
    private const string Sql = """
        INSERT INTO users (username, email, password_hash, bio, role)
        SELECT * FROM unnest(@Usernames::text[], @Emails::text[], @Hashes::text[], @Bios::text[], @Roles::text[])
        ON CONFLICT DO NOTHING;

        INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at)
        SELECT a.slug, a.title, a.description, a.body, u.id, now() - make_interval(days => a.days), now() - make_interval(days => a.days)
        FROM unnest(@Slugs::text[], @Authors::text[], @Titles::text[], @Descriptions::text[], @Bodies::text[], @Days::int[])
             AS a (slug, author, title, description, body, days)
        JOIN users u ON lower(u.username) = a.author
        ORDER BY a.days DESC
        ON CONFLICT DO NOTHING;

        INSERT INTO tags (name) SELECT DISTINCT unnest(@TagNames::text[]) ORDER BY 1 ON CONFLICT (name) DO NOTHING;
        INSERT INTO article_tags (article_id, tag_id, created_at, hidden)
        SELECT a.id, t.id, a.created_at, a.hidden
        FROM unnest(@TagSlugs::text[], @TagNames::text[]) AS x (slug, name)
        JOIN articles a ON a.slug = x.slug JOIN tags t ON t.name = x.name
        ON CONFLICT DO NOTHING;

        INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
        SELECT a.id, u.id, c.body, a.created_at + make_interval(hours => c.n::int), a.created_at + make_interval(hours => c.n::int)
        FROM unnest(@CommentSlugs::text[], @CommentAuthors::text[], @CommentBodies::text[]) WITH ORDINALITY AS c (slug, author, body, n)
        JOIN articles a ON a.slug = c.slug JOIN users u ON lower(u.username) = c.author
        WHERE NOT EXISTS (SELECT 1 FROM comments o WHERE o.article_id = a.id AND o.author_id = u.id AND o.body = c.body)
        ORDER BY c.n;

        WITH added AS (
            INSERT INTO favorites (user_id, article_id)
            SELECT u.id, a.id FROM unnest(@FavoriteUsers::text[], @FavoriteSlugs::text[]) AS f (username, slug)
            JOIN users u ON lower(u.username) = f.username JOIN articles a ON a.slug = f.slug
            ON CONFLICT DO NOTHING
            RETURNING article_id)
        UPDATE articles a SET favorites_count = a.favorites_count + d.n
        FROM (SELECT article_id, count(*) AS n FROM added GROUP BY article_id) AS d WHERE a.id = d.article_id;

        INSERT INTO follows (follower_id, followee_id)
        SELECT fr.id, fe.id FROM unnest(@Followers::text[], @Followees::text[]) AS f (follower, followee)
        JOIN users fr ON lower(fr.username) = f.follower JOIN users fe ON lower(fe.username) = f.followee
        ON CONFLICT DO NOTHING;
        """;

    public static async Task LoadAsync(NpgsqlDataSource db, TextWriter output, CancellationToken cancellationToken = default)
    {
        var hasher = new PasswordHasher<DemoUser>();
        var tags = Articles.SelectMany(article => article.Tags.Select(tag => (article.Slug, Tag: tag))).ToArray();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var added = await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            Usernames = Users.Select(user => user.Username).ToArray(),
            Emails = Users.Select(user => user.Email).ToArray(),
            Hashes = Users.Select(user => hasher.HashPassword(user, user.Password)).ToArray(),
            Bios = Users.Select(user => user.Bio).ToArray(),
            Roles = Users.Select(user => user.Role).ToArray(),
            Slugs = Articles.Select(article => article.Slug).ToArray(),
            Authors = Articles.Select(article => article.Author).ToArray(),
            Titles = Articles.Select(article => article.Title).ToArray(),
            Descriptions = Articles.Select(article => article.Description).ToArray(),
            Bodies = Articles.Select(article => article.Body).ToArray(),
            Days = Articles.Select(article => article.DaysAgo).ToArray(),
            TagSlugs = tags.Select(tag => tag.Slug).ToArray(),
            TagNames = tags.Select(tag => tag.Tag).ToArray(),
            CommentSlugs = Comments.Select(comment => comment.Slug).ToArray(),
            CommentAuthors = Comments.Select(comment => comment.Author).ToArray(),
            CommentBodies = Comments.Select(comment => comment.Body).ToArray(),
            FavoriteUsers = Favorites.Select(favorite => favorite.Username).ToArray(),
            FavoriteSlugs = Favorites.Select(favorite => favorite.Slug).ToArray(),
            Followers = Follows.Select(follow => follow.Follower).ToArray(),
            Followees = Follows.Select(follow => follow.Followee).ToArray(),
        }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);

        // The rows the statements really inserted (and counters they moved): 0 means everything was there already.
        await output.WriteLineAsync(added == 0
            ? "Demo data already present: nothing changed. Sign in with:"
            : $"Demo data loaded ({added} rows written; loading it again changes nothing). Sign in with:");
        foreach (var user in Users)
        {
            await output.WriteLineAsync($"  {user.Email,-26} {user.Password,-17} {user.Role}");
        }
    }
}
