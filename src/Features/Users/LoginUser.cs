using Conduit.Features.Users.Sessions;
using Conduit.Features.Users.SignInThrottling;
using Conduit.Infrastructure.AbuseProtection;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Conduit.Features.Users;

public static class LoginUser
{
    public sealed record Command(Credentials? User) : ICommand<UserEnvelope>, IThrottledLogin
    {
        string? IThrottledLogin.Account => User?.Email;
    }

    public sealed record Credentials(string? Email, string? Password);

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(command => command.User).Present().DependentRules(() =>
            {
                RuleFor(command => command.User!.Email).NotBlank().MaxChars(UserRules.MaxEmail);
                RuleFor(command => command.User!.Password).NotBlank().MaxChars(UserRules.MaxPassword);
            });
        }
    }

    internal sealed class Handler(NpgsqlDataSource db, IPasswordHasher<UserRow> hasher, SessionIssuer sessions) : ICommandHandler<Command, UserEnvelope>
    {
        private const string FindSql = $"""
            SELECT {UserRow.Columns}, password_hash
            FROM users
            WHERE lower(email) = lower(@Email)
            """;

        private const string RehashSql = "UPDATE users SET password_hash = @PasswordHash WHERE id = @Id";

        // Verifying against a real hash when the email is unknown keeps both answers equally slow,
        // so response time does not tell which emails have accounts.
        private static readonly string DecoyHash = new PasswordHasher<UserRow>().HashPassword(null!, Guid.NewGuid().ToString());

        public async ValueTask<UserEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            var credentials = command.User!;
            Account? found;
            // The connection goes back to the pool before the (slow) hash check.
            await using (var connection = await db.OpenConnectionAsync(cancellationToken))
            {
                found = await connection.QuerySingleOrDefaultAsync<Account>(new CommandDefinition(FindSql, new { credentials.Email }, cancellationToken: cancellationToken));
            }

            var verdict = hasher.VerifyHashedPassword(null!, found?.PasswordHash ?? DecoyHash, credentials.Password!);
            if (found is null || verdict == PasswordVerificationResult.Failed)
            {
                throw ApiException.Unauthorized("credentials", "invalid");
            }

            var rehashed = verdict == PasswordVerificationResult.SuccessRehashNeeded ? hasher.HashPassword(null!, credentials.Password!) : null;
            await using (var connection = await db.OpenConnectionAsync(cancellationToken))
            {
                if (rehashed is not null)
                {
                    await connection.ExecuteAsync(new CommandDefinition(RehashSql, new { PasswordHash = rehashed, found.Id }, cancellationToken: cancellationToken));
                }

                var session = await sessions.StartAsync(connection, found.Id, cancellationToken);
                return new UserRow(found.Id, found.Email, found.Username, found.Bio, found.Image, found.Version).ToEnvelope(session);
            }
        }

        private sealed record Account(long Id, string Email, string Username, string? Bio, string? Image, int Version, string PasswordHash);
    }
}
