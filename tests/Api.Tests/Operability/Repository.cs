namespace Conduit.Tests.Operability;

/// <summary>Finds the checkout (the folder with Api.csproj) and the contract next to it.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string ContractFile(string name)
    {
        var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "realworld", name));
        File.Exists(path).Should().BeTrue($"the RealWorld contract is expected at {path} (a checkout of the realworld repository next to this one)");
        return path;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Api.csproj")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Api.csproj not found above " + AppContext.BaseDirectory);
    }
}
