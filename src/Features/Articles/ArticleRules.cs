using Conduit.Infrastructure.Validation;
using FluentValidation;

namespace Conduit.Features.Articles;

/// <summary>Limits that creating and updating an article share, and the cursor every list accepts.</summary>
internal static class ArticleRules
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 1000;
    public const int MaxBody = 100_000;
    public const int MaxTags = 20;
    public const int MaxTag = 64;

    public static IRuleBuilderOptions<T, string?> Text<T>(IRuleBuilder<T, string?> rule, int max) =>
        rule.NotBlank().MaxChars(max).NoControlCharacters();

    public static IRuleBuilderOptions<T, string[]?> Tags<T>(IRuleBuilder<T, string[]?> rule) =>
        rule.Must(tags => tags is null || tags.Length <= MaxTags).WithMessage($"has too many tags (maximum is {MaxTags})")
            .Must(tags => tags is null || tags.All(tag => !string.IsNullOrWhiteSpace(tag) && tag.Length <= MaxTag && !tag.Contains('\0', StringComparison.Ordinal)))
            .WithMessage($"must be non-blank tags of at most {MaxTag} characters");

    /// <summary>A cursor must be one this API made for this very list, still valid; it replaces offset.</summary>
    public static void CursorOf<T>(AbstractValidator<T> validator, Conduit.Infrastructure.Paging.Cursors cursors, Func<T, string?> cursor, Func<T, int?> offset, Func<T, string> list)
    {
        validator.RuleFor(request => cursor(request)).Must((request, value) => cursors.TryRead(value, list(request), out _))
            .When(request => cursor(request) is not null)
            .WithMessage("is invalid, expired or belongs to another list").OverridePropertyName("cursor");
        validator.RuleFor(request => offset(request)).Must(value => value is null or 0).When(request => cursor(request) is not null)
            .WithMessage("cannot be combined with cursor").OverridePropertyName("offset");
    }
}
