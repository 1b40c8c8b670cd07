using System.Text.Json.Serialization;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Http;
using Conduit.Infrastructure.Json;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Conduit.Features.Users;

public static class UpdateUser
{
    public sealed record Command(UserChanges? User) : ICommand<UserEnvelope>, IAuthenticated
    {
        /// <summary>From the <c>If-Match</c> header: the version of the user the client last read.</summary>
        [JsonIgnore]
        public IfMatch? Expected { get; init; }
    }

    /// <summary>Absent members keep their value; <c>bio</c> and <c>image</c> may be cleared with null or "".</summary>
    public sealed record UserChanges(
        Optional<string?> Username,
        Optional<string?> Email,
        Optional<string?> Password,
        Optional<string?> Bio,
        Optional<string?> Image);

    internal sealed class Validator : AbstractValidator<Command>
    {
        public const int MaxBio = 4000;
        public const int MaxImage = 2048;

        public Validator()
        {
            RuleFor(command => command.User).Present().DependentRules(() =>
            {
                When(command => command.User!.Username.IsSet, () => UserRules.Username(RuleFor(command => command.User!.Username.Value)).OverridePropertyName("username"));
                When(command => command.User!.Email.IsSet, () => UserRules.Email(RuleFor(command => command.User!.Email.Value)).OverridePropertyName("email"));
                When(command => command.User!.Password.IsSet, () => UserRules.Password(RuleFor(command => command.User!.Password.Value)).OverridePropertyName("password"));
                RuleFor(command => command.User!.Bio.Value).MaxChars(MaxBio).NoControlCharacters().OverridePropertyName("bio");
                RuleFor(command => command.User!.Image.Value)
                    .MaxChars(MaxImage)
                    // Only web addresses: a javascript: or data: "image" is a stored XSS in every client.
                    .Must(image => string.IsNullOrEmpty(image) || IsWebAddress(image)).WithMessage("must be an http or https URL")
                    .OverridePropertyName("image");
            });
        }

        private static bool IsWebAddress(string value) =>
            Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user, IPasswordHasher<UserRow> hasher) : ICommandHandler<Command, UserEnvelope>
    {
        // Nulls mean "keep" for the required fields (the validator refuses an explicit null);
        // for bio and image a flag says whether the member was sent. A new password ends every other
        // session in the same statement: whoever else knew the old one is signed out with it.
        private const string Sql = $"""
            WITH updated AS (
                UPDATE users SET
                    username      = coalesce(@Username, username),
                    email         = coalesce(@Email, email),
                    password_hash = coalesce(@PasswordHash, password_hash),
                    bio           = CASE WHEN @SetBio THEN @Bio ELSE bio END,
                    image         = CASE WHEN @SetImage THEN @Image ELSE image END
                WHERE id = @Id AND (@Versions::text[] IS NULL OR (id || '.' || version) = ANY (@Versions))
                RETURNING {UserRow.Columns}
            ), ended AS (
                UPDATE sessions SET revoked_at = now()
                WHERE @PasswordHash IS NOT NULL AND user_id = @Id AND id <> @SessionId AND revoked_at IS NULL
                  AND EXISTS (SELECT 1 FROM updated)
            )
            SELECT {UserRow.Columns}, true AS changed FROM updated
            UNION ALL
            SELECT {UserRow.Columns}, false FROM users WHERE id = @Id AND NOT EXISTS (SELECT 1 FROM updated)
            """;

        public async ValueTask<UserEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            var changes = command.User!;
            var password = changes.Password.Or(null);
            var passwordHash = password is null ? null : hasher.HashPassword(null!, password); // before taking a pooled connection
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var outcome = await connection.QuerySingleOrDefaultAsync<Outcome>(new CommandDefinition(
                Sql,
                new
                {
                    Id = user.RequiredId,
                    SessionId = user.RequiredSessionId,
                    Username = changes.Username.Or(null),
                    Email = changes.Email.Or(null),
                    PasswordHash = passwordHash,
                    SetBio = changes.Bio.IsSet,
                    Bio = EmptyAsNull(changes.Bio.Or(null)),
                    SetImage = changes.Image.IsSet,
                    Image = EmptyAsNull(changes.Image.Or(null)),
                    Versions = command.Expected?.Versions?.ToArray(),
                },
                cancellationToken: cancellationToken));
            return outcome switch
            {
                null => throw ApiException.Unauthorized("token", "is invalid"),
                { Changed: false } => throw ApiException.PreconditionFailed("user"),
                _ => new UserRow(outcome.Id, outcome.Email, outcome.Username, outcome.Bio, outcome.Image, outcome.Version).ToEnvelope(user.RequiredToken),
            };
        }

        private sealed record Outcome(long Id, string Email, string Username, string? Bio, string? Image, int Version, bool Changed);

        private static string? EmptyAsNull(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
