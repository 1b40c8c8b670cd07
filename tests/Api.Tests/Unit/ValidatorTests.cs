using Conduit.Features.Articles;
using Conduit.Features.Comments;
using Conduit.Features.Users;
using Conduit.Infrastructure.Json;
using FluentValidation;
using FluentValidation.Results;

namespace Conduit.Tests.Unit;

/// <summary>The rules each slice's validator enforces, without HTTP or a database.</summary>
public sealed class ValidatorTests
{
    [Fact]
    public void A_valid_registration_passes()
    {
        Validate(new RegisterUser.Validator(), new RegisterUser.Command(new("jake", "jake@example.test", "password123"))).Should().BeEmpty();
    }

    [Theory]
    [InlineData(null, "jake@example.test", "password123", "username", "can't be blank")]
    [InlineData("jake", "jake@", "password123", "email", "is invalid")]
    [InlineData("jake", "jake@example.test", "1234567", "password", "is too short (minimum is 8 characters)")]
    [InlineData("j a k e", "jake@example.test", "password123", "username", "is invalid")]
    public void Registration_rules(string? username, string? email, string? password, string field, string message)
    {
        Validate(new RegisterUser.Validator(), new RegisterUser.Command(new(username, email, password)))
            .Should().ContainKey(field).WhoseValue.Should().Contain(message);
    }

    [Fact]
    public void Registration_limits_the_password_length_to_bound_hashing_work()
    {
        Validate(new RegisterUser.Validator(), new RegisterUser.Command(new("jake", "jake@example.test", new string('p', 257))))
            .Should().ContainKey("password").WhoseValue.Should().Contain("is too long (maximum is 256 characters)");
    }

    [Fact]
    public void A_missing_wrapper_is_reported_once()
    {
        Validate(new RegisterUser.Validator(), new RegisterUser.Command(null)).Should().BeEquivalentTo(new Dictionary<string, string[]> { ["user"] = ["can't be blank"] });
    }

    [Fact]
    public void Login_needs_both_fields()
    {
        var errors = Validate(new LoginUser.Validator(), new LoginUser.Command(new(" ", null)));

        errors.Should().ContainKey("email").And.ContainKey("password");
    }

    [Fact]
    public void An_update_validates_only_the_members_sent()
    {
        var nothingSent = new UpdateUser.Command(new(default, default, default, default, default));
        var badEmail = new UpdateUser.Command(new(default, new Optional<string?>("nope"), default, default, default));

        Validate(new UpdateUser.Validator(), nothingSent).Should().BeEmpty();
        Validate(new UpdateUser.Validator(), badEmail).Should().ContainKey("email").And.HaveCount(1);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:image/png;base64,AAAA")]
    [InlineData("/relative.png")]
    public void An_image_must_be_a_web_address(string image)
    {
        var command = new UpdateUser.Command(new(default, default, default, default, new Optional<string?>(image)));

        Validate(new UpdateUser.Validator(), command).Should().ContainKey("image");
    }

    [Fact]
    public void A_bio_with_a_NUL_byte_is_refused()
    {
        var command = new UpdateUser.Command(new(default, default, default, new Optional<string?>("a\0b"), default));

        Validate(new UpdateUser.Validator(), command).Should().ContainKey("bio");
    }

    [Fact]
    public void An_article_needs_title_description_and_body_and_bounded_tags()
    {
        var tooManyTags = Enumerable.Range(0, 21).Select(i => $"t{i}").ToArray();

        var errors = Validate(new CreateArticle.Validator(), new CreateArticle.Command(new("", " ", null, tooManyTags)));

        errors.Keys.Should().BeEquivalentTo(["title", "description", "body", "tagList"]);
        errors["tagList"].Should().Contain("has too many tags (maximum is 20)");
    }

    [Fact]
    public void An_article_update_refuses_a_null_tagList_but_accepts_an_empty_one()
    {
        var nullTags = new UpdateArticle.Command("slug", new(default, default, default, new Optional<string[]?>(null)));
        var emptyTags = new UpdateArticle.Command("slug", new(default, default, default, new Optional<string[]?>([])));

        Validate(new UpdateArticle.Validator(), nullTags).Should().ContainKey("tagList");
        Validate(new UpdateArticle.Validator(), emptyTags).Should().BeEmpty();
    }

    [Theory]
    [InlineData(0, 0, "limit")]
    [InlineData(101, 0, "limit")]
    [InlineData(20, -1, "offset")]
    public void Paging_is_bounded(int limit, int offset, string field)
    {
        var cursors = new Conduit.Infrastructure.Paging.Cursors(
            Microsoft.Extensions.Options.Options.Create(new Conduit.Infrastructure.Auth.JwtOptions { SigningKey = Conduit.Tests.Infrastructure.ApiFactory.SigningKey }), TimeProvider.System);
        Validate(new ListArticles.Validator(cursors), new ListArticles.Query(null, null, null, limit, offset, null, null)).Should().ContainKey(field);
    }

    [Fact]
    public void A_comment_needs_a_body()
    {
        Validate(new AddComment.Validator(), new AddComment.Command("slug", new("  "))).Should().ContainKey("body");
        Validate(new AddComment.Validator(), new AddComment.Command("slug", new("fine"))).Should().BeEmpty();
    }

    /// <summary>Errors keyed as the API reports them: the last segment of the property path, camelCase.</summary>
    private static Dictionary<string, string[]> Validate<T>(IValidator<T> validator, T request)
    {
        ValidationResult result = validator.Validate(request);
        return result.Errors
            .GroupBy(error => error.PropertyName.Split('.')[^1])
            .ToDictionary(group => char.ToLowerInvariant(group.Key[0]) + group.Key[1..], group => group.Select(error => error.ErrorMessage).ToArray());
    }
}
