using System.Text.Json.Nodes;
using Conduit.Features.Users.Sessions;
using Conduit.Features.Users.SignInThrottling;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Idempotency;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Conduit.Features.Users;

public static class RegisterUser
{
    public sealed record Command(NewUser? User) : ICommand<UserEnvelope>, IThrottledSignUp;

    public sealed record NewUser(string? Username, string? Email, string? Password);

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(command => command.User).Present().DependentRules(() =>
            {
                UserRules.Username(RuleFor(command => command.User!.Username));
                UserRules.Email(RuleFor(command => command.User!.Email));
                UserRules.Password(RuleFor(command => command.User!.Password));
            });
        }
    }

    internal sealed class Handler(NpgsqlDataSource db, IPasswordHasher<UserRow> hasher, SessionIssuer sessions) : ICommandHandler<Command, UserEnvelope>
    {
        // A taken username or email fails on the unique indexes (23505): the database decides, so two
        // concurrent registrations can never both win. The error middleware maps it to 409.
        private const string InsertSql = $"""
            INSERT INTO users (username, email, password_hash)
            VALUES (@Username, @Email, @PasswordHash)
            RETURNING {UserRow.Columns}
            """;

        public async ValueTask<UserEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            var user = command.User!;
            // Hashed before taking a pooled connection: the hash is the slow part, and must not hold one.
            var passwordHash = hasher.HashPassword(null!, user.Password!);
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            // The user and its first session together: a failure between them must not leave an account nobody signed in to.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var row = await connection.QuerySingleAsync<UserRow>(new CommandDefinition(
                InsertSql, new { user.Username, user.Email, PasswordHash = passwordHash }, transaction, cancellationToken: cancellationToken));
            var session = await sessions.StartAsync(connection, row.Id, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
            return row.ToEnvelope(session);
        }
    }

    /// <summary>
    /// A kept sign-up answer holds the tokens of the session it started: replayed only while that session lives,
    /// its user is not suspended and its refresh token is not yet spent (a spent one, presented later, would end the
    /// session). Otherwise the retry runs as without a key: the account exists, so 409.
    /// </summary>
    internal sealed class SessionStillActive(NpgsqlDataSource db) : IKeptAnswerCheck
    {
        private const string ActiveSql = """
            SELECT EXISTS (
                SELECT FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.id = @SessionId AND s.refresh_hash = @Hash AND s.revoked_at IS NULL AND u.suspended_at IS NULL)
            """;

        public async ValueTask<bool> StillValidAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
        {
            if (!RefreshTokens.TryParse(JsonNode.Parse(body.Span)?["user"]?["refreshToken"]?.GetValue<string>(), out var token))
            {
                return false;
            }

            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(ActiveSql, new { token.SessionId, token.Hash }, cancellationToken: cancellationToken));
        }
    }
}
