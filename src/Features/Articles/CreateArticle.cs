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

        // A taken slug inserts nothing (no exception, so the transaction stays usable) and we retry.
        private const string InsertSql = """
            INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at)
            VALUES (@Slug, @Title, @Description, @Body, @Author, @Now, @Now)
            ON CONFLICT (slug) DO NOTHING
            RETURNING id
            """;

        public async ValueTask<ArticleEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            var article = command.Article!;
            var author = user.RequiredId;
            var now = Timestamps.Now(time);
            var baseSlug = Slug.From(article.Title!);

            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            long? id = null;
            for (var attempt = 0; id is null && attempt < SlugAttempts; attempt++)
            {
                var slug = attempt == 0 ? baseSlug : Slug.WithSuffix(baseSlug);
                id = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                    InsertSql,
                    new { Slug = slug, article.Title, article.Description, article.Body, Author = author, Now = now },
                    transaction,
                    cancellationToken: cancellationToken));
            }

            var sql = article.TagList is { Length: > 0 } ? ArticleSql.ReplaceTags + ArticleSql.ById : ArticleSql.ById;
            var created = await ArticleSql.ReadOneAsync(
                connection, sql, new { Id = id ?? throw new InvalidOperationException("No free slug."), Tags = article.TagList, Viewer = author }, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
            return created;
        }
    }
}
