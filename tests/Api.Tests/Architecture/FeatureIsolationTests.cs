using NetArchTest.Rules;

namespace Conduit.Tests.Architecture;

/// <summary>Slices stay independent: an area never uses another area's types.</summary>
public sealed class FeatureIsolationTests
{
    private const string Features = "Conduit.Features";
    private static readonly string[] Areas = ["Users", "Profiles", "Articles", "Comments", "Tags", "Live"];

    public static TheoryData<string> AreaNames => [.. Areas];

    [Theory]
    [MemberData(nameof(AreaNames))]
    public void An_area_depends_on_no_other_area(string area)
    {
        var types = Types.InAssembly(typeof(Program).Assembly).That().ResideInNamespace($"{Features}.{area}");
        types.GetTypes().Should().NotBeEmpty($"{Features}.{area} should hold the area's slices");

        var others = Areas.Where(other => other != area).Select(other => $"{Features}.{other}").ToArray();
        var result = types.ShouldNot().HaveDependencyOnAny(others).GetResult();

        result.IsSuccessful.Should().BeTrue($"{area} uses {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void Infrastructure_depends_on_no_feature()
    {
        var result = Types.InAssembly(typeof(Program).Assembly).That().ResideInNamespace("Conduit.Infrastructure")
            .ShouldNot().HaveDependencyOn(Features).GetResult();

        result.IsSuccessful.Should().BeTrue(string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void The_rule_catches_a_cross_area_reference()
    {
        // Guards the test above against passing vacuously: Comments really does use Shared, and the
        // same rule pointed at Shared must report it.
        var result = Types.InAssembly(typeof(Program).Assembly).That().ResideInNamespace($"{Features}.Comments")
            .ShouldNot().HaveDependencyOn($"{Features}.Shared").GetResult();

        result.IsSuccessful.Should().BeFalse();
    }

    [Fact]
    public void Handlers_never_touch_HttpContext()
    {
        var result = Types.InAssembly(typeof(Program).Assembly).That().ResideInNamespace(Features).And().HaveNameEndingWith("Handler")
            .ShouldNot().HaveDependencyOnAny("Microsoft.AspNetCore.Http.HttpContext", "Microsoft.AspNetCore.Http.IHttpContextAccessor").GetResult();

        result.IsSuccessful.Should().BeTrue(string.Join(", ", result.FailingTypeNames ?? []));
    }
}
