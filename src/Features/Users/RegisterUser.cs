using Conduit.Features.Users.Sessions;
using Conduit.Features.Users.SignInThrottling;
using Conduit.Infrastructure.AbuseProtection;
using Conduit.Infrastructure.Auth;
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
}
