using System.Diagnostics;
using Conduit.Tests.Operability;
using Xunit.Abstractions;

namespace Conduit.Tests.Templates;

/// <summary>
/// templates/slice (dotnet new conduit-slice), end to end on a scratch copy of the checkout: both kinds are
/// generated, their routes land in the area's module, the copy builds with every analyzer on, and the generated
/// tests run and fail as designed (500: the handler is not implemented yet). In the loopback collection and at
/// low priority: its build must not starve the timing tests there (revocation within a second) of CPU.
/// </summary>
[Collection(Infrastructure.LoopbackPorts.Collection)]
public sealed class SliceTemplateTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Skipped = [".git", "bin", "obj", ".data", "TestResults", "results"];

    private readonly string scratch = Directory.CreateTempSubdirectory("conduit-slice-").FullName;

    [Fact]
    public async Task A_generated_slice_builds_registers_its_route_and_its_test_fails_until_implemented()
    {
        var checkout = Path.Combine(scratch, "checkout");
        var hive = Path.Combine(scratch, "hive"); // dotnet new's own state: the machine's template list stays untouched
        Copy(Repository.Root, checkout);
        var command = "Probe" + Guid.NewGuid().ToString("N")[..8];
        var query = command + "List";

        (await RunAsync(checkout, "new", "install", "./templates/slice", "--debug:custom-hive", hive)).Code.Should().Be(0);
        foreach (var (name, kind) in new[] { (command, "command"), (query, "query") })
        {
            var generated = await RunAsync(checkout, "new", "conduit-slice", "--area", "Admin", "--name", name, "--kind", kind, "--allow-scripts", "yes", "--debug:custom-hive", hive);
            generated.Code.Should().Be(0, generated.Output);
        }

        File.Exists(Path.Combine(checkout, "src", "Features", "Admin", $"{command}.cs")).Should().BeTrue();
        File.Exists(Path.Combine(checkout, "tests", "Api.Tests", "Admin", $"{query}Tests.cs")).Should().BeTrue();
        Directory.GetFiles(Path.Combine(checkout, "src", "Features", "Admin"), "*.route").Should().BeEmpty("the routes moved into the module");
        var module = await File.ReadAllTextAsync(Path.Combine(checkout, "src", "Features", "Admin", "AdminModule.cs"));
        module.Should().Contain($"group.MapPost(\"/{command.ToLowerInvariant()}\"").And.Contain($"group.MapGet(\"/{query.ToLowerInvariant()}\"");
        module.IndexOf(query, StringComparison.Ordinal).Should().BeLessThan(module.IndexOf("// conduit-slice: routes", StringComparison.Ordinal));

        var build = await RunAsync(checkout, "build", "tests/Api.Tests/Api.Tests.csproj", "-c", "Release", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        build.Code.Should().Be(0, build.Output);

        var test = await RunAsync(checkout, "test", "tests/Api.Tests/Api.Tests.csproj", "-c", "Release", "--no-build", "--filter", $"FullyQualifiedName~.Admin.{command}");
        test.Code.Should().NotBe(0, "the generated tests fail until the use cases are implemented");
        test.Output.Should().Contain("Failed:     2").And.Contain("Passed:     0").And.Contain("InternalServerError");
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

    private async Task<(int Code, string Output)> RunAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
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
        output.WriteLine($"dotnet {string.Join(' ', arguments)} → {process.ExitCode}");
        return (process.ExitCode, text);
    }
}
