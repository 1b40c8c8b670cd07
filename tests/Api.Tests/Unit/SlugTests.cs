using Conduit.Features.Articles;

namespace Conduit.Tests.Unit;

public sealed class SlugTests
{
    [Theory]
    [InlineData("How to train your dragon!", "how-to-train-your-dragon")]
    [InlineData("  Leading and trailing  ", "leading-and-trailing")]
    [InlineData("Crème brûlée à la carte", "creme-brulee-a-la-carte")]
    [InlineData("C# 10 -- what's new?", "c-10-what-s-new")]
    [InlineData("'; DROP TABLE articles; --", "drop-table-articles")]
    [InlineData("日本語", "article")]
    [InlineData("!!!", "article")]
    public void A_title_becomes_a_lowercase_ascii_slug(string title, string slug)
    {
        Slug.From(title).Should().Be(slug);
    }

    [Fact]
    public void A_long_title_gives_a_bounded_slug()
    {
        Slug.From(string.Join(' ', Enumerable.Repeat("word", 100))).Length.Should().BeLessThanOrEqualTo(80);
    }

    [Fact]
    public void A_suffix_keeps_the_slug_and_differs_each_time()
    {
        var first = Slug.WithSuffix("title");
        var second = Slug.WithSuffix("title");

        first.Should().MatchRegex("^title-[a-z0-9]{6}$");
        second.Should().NotBe(first);
    }
}
