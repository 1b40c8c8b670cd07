using Conduit.Features.Admin;
using FluentValidation.TestHelper;

namespace Conduit.Tests.Unit;

public sealed class AdminValidatorTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    [InlineData("with\0nul")]
    public void A_reason_that_is_missing_blank_or_broken_is_refused(string? reason) =>
        new SuspendUser.Validator().TestValidate(new SuspendUser.Command("someone", reason)).ShouldHaveValidationErrorFor(command => command.Reason);

    [Fact]
    public void A_reason_of_1000_characters_is_accepted_and_1001_refused()
    {
        new RemoveArticle.Validator().TestValidate(new RemoveArticle.Command("slug", new string('r', 1000))).ShouldNotHaveAnyValidationErrors();
        new RemoveArticle.Validator().TestValidate(new RemoveArticle.Command("slug", new string('r', 1001)))
            .ShouldHaveValidationErrorFor(command => command.Reason).WithErrorMessage("is too long (maximum is 1000 characters)");
    }

    [Theory]
    [InlineData("user", true)]
    [InlineData("moderator", true)]
    [InlineData("admin", true)]
    [InlineData("Admin", false)]
    [InlineData("root", false)]
    [InlineData(null, false)]
    public void Only_the_three_roles_can_be_given(string? role, bool valid)
    {
        var result = new ChangeRole.Validator().TestValidate(new ChangeRole.Command("someone", role));
        result.IsValid.Should().Be(valid);
    }

    [Fact]
    public void Audit_and_user_pages_are_bounded() =>
        new ListAudit.Validator().TestValidate(new ListAudit.Query(null, null, 101, -1)).Errors.Select(error => error.PropertyName)
            .Should().BeEquivalentTo(["limit", "offset"]);
}
