using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Http;
using Conduit.Infrastructure.Json;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Articles;

public static class UpdateArticle
{
    /// <param name="Expected">From the <c>If-Match</c> header: the version of the article the editor last read.</param>
    public sealed record Command(string Slug, ArticleChanges? Article, IfMatch? Expected = null) : ICommand<ArticleEnvelope>, IAuthenticated;

    /// <summary>The request body; the slug comes from the route.</summary>
    public sealed record Body(ArticleChanges? Article);

    /// <summary>Absent members keep their value; <c>tagList: []</c> clears the tags, <c>tagList: null</c> is refused.</summary>
    public sealed record ArticleChanges(Optional<string?> Title, Optional<string?> Description, Optional<string?> Body, Optional<string[]?> TagList);

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(command => command.Article).Present().DependentRules(() =>
            {
                When(command => command.Article!.Title.IsSet, () =>
                    ArticleRules.Text(RuleFor(command => command.Article!.Title.Value), ArticleRules.MaxTitle).OverridePropertyName("title"));
                When(command => command.Article!.Description.IsSet, () =>
                    ArticleRules.Text(RuleFor(command => command.Article!.Description.Value), ArticleRules.MaxDescription).OverridePropertyName("description"));
                When(command => command.Article!.Body.IsSet, () =>
                    ArticleRules.Text(RuleFor(command => command.Article!.Body.Value), ArticleRules.MaxBody).OverridePropertyName("body"));
                When(command => command.Article!.TagList.IsSet, () =>
                    ArticleRules.Tags(RuleFor(command => command.Article!.TagList.Value).Present()).OverridePropertyName("tagList"));
            });
        }
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user, TimeProvider time) : ICommandHandler<Command, ArticleEnvelope>
    {
        // The row lock keeps a concurrent delete or update from interleaving with ours.
        private const string LockSql = "SELECT id, author_id, version FROM articles WHERE slug = @Slug AND NOT hidden FOR UPDATE";

        // updated_at always moves forward, even for an edit within the millisecond of creation.
        private const string UpdateSql = """
            UPDATE articles SET
                title       = coalesce(@Title, title),
                description = coalesce(@Description, description),
                body        = coalesce(@Body, body),
                updated_at  = greatest(@Now, updated_at + interval '1 millisecond')
            WHERE id = @Id;
            """;

        public async ValueTask<ArticleEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            var changes = command.Article!;
            var editor = user.RequiredId;
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            var target = await connection.QuerySingleOrDefaultAsync<(long Id, long AuthorId, int Version)?>(new CommandDefinition(
                LockSql, new { command.Slug }, transaction, cancellationToken: cancellationToken));
            if (target is not { } article)
            {
                throw ApiException.NotFound("article");
            }

            if (article.AuthorId != editor)
            {
                throw ApiException.Forbidden("article");
            }

            if (command.Expected?.Allows(article.Id, article.Version) == false)
            {
                throw ApiException.PreconditionFailed("article");
            }

            var sql = UpdateSql + (changes.TagList.IsSet ? ArticleSql.ReplaceTags : "") + ArticleSql.ById;
            var updated = await ArticleSql.ReadOneAsync(
                connection,
                sql,
                new
                {
                    article.Id,
                    Title = changes.Title.Or(null),
                    Description = changes.Description.Or(null),
                    Body = changes.Body.Or(null),
                    Tags = changes.TagList.Or(null),
                    Now = Timestamps.Now(time),
                    Viewer = editor,
                },
                cancellationToken,
                transaction);
            await transaction.CommitAsync(cancellationToken);
            return updated;
        }
    }
}
