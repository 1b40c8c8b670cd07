using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Articles;

public static class CreateArticle
{
    public sealed record Command(NewArticle? Article) : ICommand<ArticleEnvelope>, IAuthenticated;

    public sealed record NewArticle(string? Title, string? Description, string? Body, string[]? TagList);

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(command => command.Article).Present().DependentRules(() =>
            {
                ArticleRules.Text(RuleFor(command => command.Article!.Title), ArticleRules.MaxTitle);
                ArticleRules.Text(RuleFor(command => command.Article!.Description), ArticleRules.MaxDescription);
                ArticleRules.Text(RuleFor(command => command.Article!.Body), ArticleRules.MaxBody);
                ArticleRules.Tags(RuleFor(command => command.Article!.TagList));
            });
        }
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user, TimeProvider time) : ICommandHandler<Command, ArticleEnvelope>
    {
        private const int SlugAttempts = 5;

        // The article, its tags and the answer in one round trip: the statements of one command run in one
        // implicit transaction. They find the new id with currval (once, as an init plan, so indexes serve
        // it); a taken slug inserts nothing but still draws an id, which no article has, so nothing is tagged
        // or returned and we retry with another slug.
        private const string InsertSql = """
            INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at)
            VALUES (@Slug, @Title, @Description, @Body, @Author, @Now, @Now)
            ON CONFLICT (slug) DO NOTHING;

            """;

        private const string NewId = "(SELECT currval(pg_get_serial_sequence('articles', 'id')))";
        private static readonly string Untagged = InsertSql + ArticleSql.ById.Replace("@Id", NewId, StringComparison.Ordinal);
        private static readonly string Tagged = InsertSql + (ArticleSql.ReplaceTags + ArticleSql.ById).Replace("@Id", NewId, StringComparison.Ordinal);

        public async ValueTask<ArticleEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            var article = command.Article!;
            var author = user.RequiredId;
            var now = Timestamps.Now(time);
            var baseSlug = Slug.From(article.Title!);
            var sql = article.TagList is { Length: > 0 } ? Tagged : Untagged;

            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            for (var attempt = 0; attempt < SlugAttempts; attempt++)
            {
                var slug = attempt == 0 ? baseSlug : Slug.WithSuffix(baseSlug);
                var created = await ArticleSql.TryReadOneAsync(
                    connection,
                    sql,
                    new { Slug = slug, article.Title, article.Description, article.Body, Author = author, Now = now, Tags = article.TagList, Viewer = author },
                    cancellationToken);
                if (created is not null)
                {
                    return created;
                }
            }

            throw new InvalidOperationException("No free slug.");
        }
    }
}
