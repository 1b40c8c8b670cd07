using FluentValidation;

namespace Conduit.Infrastructure.Paging;

/// <summary>The <c>limit</c> and <c>offset</c> every list accepts, with one bound each.</summary>
public static class PageRules
{
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;

    /// <summary>
    /// Deeper than this, a list is walked with its cursor (one index seek at any depth) instead: an offset makes the
    /// database read and drop every row before the page, and Elasticsearch's <c>max_result_window</c> draws the
    /// same line for the same reason.
    /// </summary>
    public const int MaxOffset = 10_000;

    public static void Apply<T>(AbstractValidator<T> validator, Func<T, int?> limit, Func<T, int?> offset)
    {
        Limit(validator, limit);
        validator.RuleFor(request => offset(request)).InclusiveBetween(0, MaxOffset)
            .WithMessage($"must be between 0 and {MaxOffset} (deeper: use the cursor)").OverridePropertyName("offset");
    }

    public static void Limit<T>(AbstractValidator<T> validator, Func<T, int?> limit) =>
        validator.RuleFor(request => limit(request)).InclusiveBetween(1, MaxPageSize)
            .WithMessage($"must be between 1 and {MaxPageSize}").OverridePropertyName("limit");
}
