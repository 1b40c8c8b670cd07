using Conduit.Infrastructure.Validation;
using FluentValidation;

namespace Conduit.Features.Users;

/// <summary>Rules that registration and profile updates share, so the two can never drift apart.</summary>
internal static class UserRules
{
    public const int MaxUsername = 64;
    public const int MaxEmail = 254;
    public const int MinPassword = 8; // NIST 800-63B
    public const int MaxPassword = 256; // bounds the hashing work an attacker can ask for

    public static IRuleBuilderOptions<T, string?> Username<T>(IRuleBuilder<T, string?> rule) => rule
        .NotBlank()
        .MaxChars(MaxUsername)
        // Usernames are path segments (/api/profiles/{username}): letters, digits and _ . - only.
        .Matches(@"^[\p{L}\p{N}_.\-]+$").WithMessage("is invalid");

    public static IRuleBuilderOptions<T, string?> Email<T>(IRuleBuilder<T, string?> rule) => rule
        .NotBlank()
        .MaxChars(MaxEmail)
        .EmailAddress().WithMessage("is invalid")
        .NoControlCharacters();

    public static IRuleBuilderOptions<T, string?> Password<T>(IRuleBuilder<T, string?> rule) => rule
        .NotBlank()
        .MinChars(MinPassword)
        .MaxChars(MaxPassword);
}
