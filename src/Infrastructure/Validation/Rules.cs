using FluentValidation;

namespace Conduit.Infrastructure.Validation;

/// <summary>The contract's wording for the rules every slice uses.</summary>
public static class Rules
{
    public static IRuleBuilderOptions<T, string?> NotBlank<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().WithMessage("can't be blank");

    public static IRuleBuilderOptions<T, TProperty> Present<T, TProperty>(this IRuleBuilder<T, TProperty> rule) =>
        rule.NotNull().WithMessage("can't be blank");

    public static IRuleBuilderOptions<T, string?> MaxChars<T>(this IRuleBuilder<T, string?> rule, int max) =>
        rule.MaximumLength(max).WithMessage($"is too long (maximum is {max} characters)");

    public static IRuleBuilderOptions<T, string?> MinChars<T>(this IRuleBuilder<T, string?> rule, int min) =>
        rule.MinimumLength(min).WithMessage($"is too short (minimum is {min} characters)");

    /// <summary>PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.</summary>
    public static IRuleBuilderOptions<T, string?> NoControlCharacters<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(value => value is null || !value.Contains('\0', StringComparison.Ordinal)).WithMessage("contains invalid characters");

    /// <summary>One line of text (a search, a name in a query string): no control character at all (C0, DEL, C1).</summary>
    public static IRuleBuilderOptions<T, string?> SingleLine<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(value => value is null || !value.Any(char.IsControl)).WithMessage("contains invalid characters");
}
