using System.Text.RegularExpressions;
using Conduit.Tests.Operability;

namespace Conduit.Tests.Architecture;

/// <summary>
/// scripts/new-slice.sh inserts a generated route above the line <c>// conduit-slice: routes</c> of its area's module,
/// so every module has that marker exactly once, after its last route. The modules are read from the folders.
/// </summary>
public sealed partial class ModuleMarkerTests
{
    private const string Marker = "// conduit-slice: routes";

    public static TheoryData<string> Modules => [.. ModuleFiles()];

    [Fact]
    public void Every_area_with_use_cases_has_its_module()
    {
        var modules = ModuleFiles();
        // An area of support code only (Demo: seed data run from the command line) maps no route.
        var withUseCases = FeatureIsolationTests.Areas().Where(area => typeof(Program).Assembly.GetTypes()
            .Any(type => type.Namespace == $"Conduit.Features.{area}" && typeof(Mediator.IMessage).IsAssignableFrom(type)));

        withUseCases.Should().Contain("Articles", "the rule must see the areas that have use cases");
        foreach (var area in withUseCases)
        {
            modules.Should().Contain(Path.Combine("src", "Features", area, $"{area}Module.cs"));
        }
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void A_module_has_exactly_one_route_marker_after_its_last_route(string module)
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, module));

        text.Split(Marker).Should().HaveCount(2, $"{module} needs exactly one '{Marker}' line");
        var marker = text.IndexOf(Marker, StringComparison.Ordinal);
        text.LastIndexOf('\n', marker).Should().Be(text.LastIndexOf("\n        ", marker, StringComparison.Ordinal), "the marker is a line of its own in AddRoutes");
        MapCall().Matches(text).Should().NotBeEmpty().And.OnlyContain(call => call.Index < marker, "routes go above the marker");
    }

    private static string[] ModuleFiles() =>
        [.. Directory.GetFiles(Path.Combine(Repository.Root, "src", "Features"), "*Module.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.Root, path))
            .Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\.Map(Get|Post|Put|Delete|Patch|Methods)\(")]
    private static partial Regex MapCall();
}
