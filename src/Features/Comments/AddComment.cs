using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Comments;

public static class AddComment
{
    public const int MaxBody = 10_000;

    public sealed record Command(string Slug, NewComment? Comment) : ICommand<CommentEnvelope>, IAuthenticated;

    public sealed record Body(NewComment? Comment);

    public sealed record NewComment(string? Body);

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator() =>
            RuleFor(command => command.Comment).Present().DependentRules(() =>
                RuleFor(command => command.Comment!.Body).NotBlank().MaxChars(MaxBody).NoControlCharacters());
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user, TimeProvider time) : ICommandHandler<Command, CommentEnvelope>
    {
        // Inserting through the article's slug makes "article not found" and "article deleted
        // meanwhile" the same empty result (or a foreign-key error, mapped to 404): never an orphan.
        private const string Sql = $"""
            WITH c AS (
                INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
                SELECT a.id, @Viewer, @Body, @Now, @Now FROM articles a WHERE a.slug = @Slug AND NOT a.hidden
                RETURNING id, article_id, author_id, body, created_at, updated_at)
            SELECT {CommentRow.Columns}
            FROM c JOIN users u ON u.id = c.author_id
            """;

        public async ValueTask<CommentEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<CommentRow>(new CommandDefinition(
                Sql,
                new { command.Slug, command.Comment!.Body, Viewer = user.RequiredId, Now = Timestamps.Now(time) },
                cancellationToken: cancellationToken));
            return row is null ? throw ApiException.NotFound("article") : new CommentEnvelope(row.ToComment());
        }
    }
}
