using System.Diagnostics;
using Conduit.Tests.Operability;
using Xunit.Abstractions;

namespace Conduit.Tests.Templates;

/// <summary>
/// templates/slice (dotnet new conduit-slice) through scripts/new-slice.sh, end to end on a scratch copy of the
/// checkout: every kind is generated, into an existing area and into a new one (which gets its module), the routes
/// land in the modules as REST paths, each generated test calls its route, the copy builds with every analyzer on,
/// and the generated tests run and fail as designed (500: the handler is not implemented yet). Also: dotnet new
/// without a terminal and without --allow-scripts finishes (its prompt would loop forever). In the loopback
/// collection and at low priority: its build must not starve the timing tests there (revocation within a second) of CPU.
/// </summary>
[Collection(Infrastructure.LoopbackPorts.Collection)]
public sealed class SliceTemplateTests(ITestOutputHelper output) : IDisposable
{
    private const string Marker = "// conduit-slice: routes";
    private static readonly string[] Skipped = [".git", "bin", "obj", ".data", "TestResults", "results"];

    private readonly string scratch = Directory.CreateTempSubdirectory("conduit-slice-").FullName;

    [Fact]
    public async Task Generated_slices_build_register_REST_routes_and_their_tests_fail_until_implemented()
    {
        var checkout = Path.Combine(scratch, "checkout");
        Copy(Repository.Root, checkout);
        var probe = "Probe" + Guid.NewGuid().ToString("N")[..8];
        var area = probe + "s"; // a new area: no folder, no module yet
        var areaLower = area.ToLowerInvariant();
        string[][] slices =
        [
            ["Admin", probe + "Archive", "command"],
            [area, probe + "List", "query"],
            [area, probe + "Rename", "put"],
            [area, probe + "Remove", "delete"],
            ["Users", probe + "Mine", "query", $"/user/{probe.ToLowerInvariant()}"],
        ];

        foreach (var slice in slices)
        {
            string[] arguments = ["scripts/new-slice.sh", "--area", slice[0], "--name", slice[1], "--kind", slice[2], .. slice.Length > 3 ? ["--route", slice[3]] : Array.Empty<string>()];
            var generated = await RunAsync(checkout, "bash", arguments);
            generated.Code.Should().Be(0, generated.Output);
        }

        var features = Path.Combine(checkout, "src", "Features");
        Directory.GetFiles(features, "*.route", SearchOption.AllDirectories).Should().BeEmpty("the routes moved into the modules");
        Directory.GetFiles(features, "*.module", SearchOption.AllDirectories).Should().BeEmpty("a new area's module became its <Area>Module.cs");
        var admin = await File.ReadAllTextAsync(Path.Combine(features, "Admin", "AdminModule.cs"));
        admin.Should().Contain($"group.MapPost(\"\", async ({probe}Archive.Command");
        admin.IndexOf(probe, StringComparison.Ordinal).Should().BeLessThan(admin.IndexOf(Marker, StringComparison.Ordinal));
        var created = await File.ReadAllTextAsync(Path.Combine(features, area, $"{area}Module.cs"));
        created.Should().Contain($"app.MapGroup(\"/api/{areaLower}\").WithTags(\"{area}\")")
            .And.Contain("group.MapGet(\"\", ").And.Contain("group.MapPut(\"/{id}\", ").And.Contain("group.MapDelete(\"/{id}\", ");
        created.Split(Marker).Should().HaveCount(2, "the new module has exactly one marker");
        (await File.ReadAllTextAsync(Path.Combine(features, "Users", "UsersModule.cs"))).Should().Contain($"group.MapGet(\"/user/{probe.ToLowerInvariant()}\", ");

        var tests = Path.Combine(checkout, "tests", "Api.Tests");
        (await File.ReadAllTextAsync(Path.Combine(tests, "Admin", $"{probe}ArchiveTests.cs"))).Should().Contain("PostAsync(\"/api/admin\", ");
        (await File.ReadAllTextAsync(Path.Combine(tests, area, $"{probe}ListTests.cs"))).Should().Contain($"GetAsync(\"/api/{areaLower}?limit=20&offset=0\", ");
        (await File.ReadAllTextAsync(Path.Combine(tests, area, $"{probe}RenameTests.cs"))).Should().Contain($"PutAsync(\"/api/{areaLower}/1\", ");
        (await File.ReadAllTextAsync(Path.Combine(tests, area, $"{probe}RemoveTests.cs"))).Should().Contain($"DeleteAsync(\"/api/{areaLower}/1\", ");
        (await File.ReadAllTextAsync(Path.Combine(tests, "Users", $"{probe}MineTests.cs"))).Should().Contain($"GetAsync(\"/api/user/{probe.ToLowerInvariant()}?limit=20&offset=0\", ", "the Users module's group is /api");

        var build = await RunAsync(checkout, "dotnet", "build", "tests/Api.Tests/Api.Tests.csproj", "-c", "Release", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        build.Code.Should().Be(0, build.Output);

        var test = await RunAsync(checkout, "dotnet", "test", "tests/Api.Tests/Api.Tests.csproj", "-c", "Release", "--no-build", "--filter", $"FullyQualifiedName~{probe}");
        test.Code.Should().NotBe(0, "the generated tests fail until the use cases are implemented");
        test.Output.Should().Contain($"Failed:     {slices.Length}").And.Contain("Passed:     0").And.Contain("InternalServerError")
            .And.NotContain("NotFound").And.NotContain("MethodNotAllowed");
    }

    [Fact]
    public async Task Dotnet_new_without_a_terminal_or_allow_scripts_finishes_and_says_how_to_register()
    {
        var checkout = Path.Combine(scratch, "checkout");
        var hive = Path.Combine(scratch, "hive"); // dotnet new's own state: the machine's template list stays untouched
        Directory.CreateDirectory(Path.Combine(checkout, "src", "Features", "Admin"));
        var module = Path.Combine(checkout, "src", "Features", "Admin", "AdminModule.cs");
        File.Copy(Path.Combine(Repository.Root, "src", "Features", "Admin", "AdminModule.cs"), module);

        (await RunAsync(checkout, "dotnet", "new", "install", Path.Combine(Repository.Root, "templates", "slice"), "--debug:custom-hive", hive)).Code.Should().Be(0);
        var generated = await RunAsync(checkout, "dotnet", "new", "conduit-slice", "--area", "Admin", "--name", "Unattended", "--kind", "query", "--debug:custom-hive", hive);

        generated.Code.Should().Be(0, generated.Output);
        generated.Output.Should().NotContain("Invalid input").And.Contain("register-slice-routes.sh");
        File.Exists(Path.Combine(checkout, "src", "Features", "Admin", "Unattended.route")).Should().BeTrue("the route waits for the script");
        (await File.ReadAllTextAsync(module)).Should().NotContain("Unattended");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (IOException)
        {
            // A build node still holding a file: the temp folder is cleaned up by the system.
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from).Where(directory => !Skipped.Contains(Path.GetFileName(directory))))
        {
            Copy(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    /// <summary>Runs a program with stdin closed at once (no terminal: what CI and scripts give it), killed after 4 minutes.</summary>
    private async Task<(int Code, string Output)> RunAsync(string directory, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        process.PriorityClass = ProcessPriorityClass.BelowNormal; // the compilers it starts inherit it
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await stdout + await stderr;
        output.WriteLine($"{program} {string.Join(' ', arguments)} → {process.ExitCode}");
        return (process.ExitCode, text);
    }
}
