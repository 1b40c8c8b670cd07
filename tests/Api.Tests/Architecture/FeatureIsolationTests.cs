using Conduit.Tests.Operability;
using NetArchTest.Rules;

namespace Conduit.Tests.Architecture;

/// <summary>
/// Slices stay independent: an area never uses another area's types. The areas are read from the folders at test
/// time (every direct subfolder of src/Features holding C#), so a new area is covered without editing this test.
/// <c>Shared</c> is the one small, named place for read models several areas return: anyone may use it, it uses no area.
/// </summary>
public sealed class FeatureIsolationTests
{
    private const string Features = "Conduit.Features";
    private const string Shared = "Shared";

    public static TheoryData<string> AreaNames => [.. Areas()];

    [Fact]
    public void The_areas_are_the_feature_folders_and_their_namespaces()
    {
        var namespaces = typeof(Program).Assembly.GetTypes()
            .Select(type => type.Namespace)
            .OfType<string>()
            .Where(name => name.StartsWith(Features + ".", StringComparison.Ordinal))
            .Select(name => name[(Features.Length + 1)..].Split('.')[0])
            .Distinct();

        namespaces.Should().BeEquivalentTo(Areas().Append(Shared), "every folder of src/Features is one namespace, Conduit.Features.<Folder>");
        Areas().Should().Contain(["Admin", "Articles", "Users"]);
    }

    [Theory]
    [MemberData(nameof(AreaNames))]
    public void An_area_depends_on_no_other_area(string area)
    {
        var types = Types.InAssembly(typeof(Program).Assembly).That().ResideInNamespace($"{Features}.{area}");
        types.GetTypes().Should().NotBeEmpty($"{Features}.{area} should hold the area's slices");

        var others = Areas().Where(other => other != area).Select(other => $"{Features}.{other}").ToArray();
        var result = types.ShouldNot().HaveDependencyOnAny(others).GetResult();

        result.IsSuccessful.Should().BeTrue($"{area} uses {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void Shared_depends_on_no_area()
    {
        var result = Types.InAssembly(typeof(Program).Assembly).That().ResideInNamespace($"{Features}.{Shared}")
            .ShouldNot().HaveDependencyOnAny([.. Areas().Select(area => $"{Features}.{area}")]).GetResult();

        result.IsSuccessful.Should().BeTrue(string.Join(", ", result.FailingTypeNames ?? []));
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
            .ShouldNot().HaveDependencyOn($"{Features}.{Shared}").GetResult();

        result.IsSuccessful.Should().BeFalse();
    }

    [Fact]
    public void Handlers_never_touch_HttpContext()
    {
        var result = Types.InAssembly(typeof(Program).Assembly).That().ResideInNamespace(Features).And().HaveNameEndingWith("Handler")
            .ShouldNot().HaveDependencyOnAny("Microsoft.AspNetCore.Http.HttpContext", "Microsoft.AspNetCore.Http.IHttpContextAccessor").GetResult();

        result.IsSuccessful.Should().BeTrue(string.Join(", ", result.FailingTypeNames ?? []));
    }

    /// <summary>Every direct subfolder of src/Features that holds C# (at any depth), except Shared.</summary>
    internal static IReadOnlyList<string> Areas() =>
        [.. Directory.GetDirectories(Path.Combine(Repository.Root, "src", "Features"))
            .Where(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories).Any())
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name != Shared)
            .Order(StringComparer.Ordinal)];
}
