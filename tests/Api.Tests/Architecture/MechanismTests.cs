using System.Text.RegularExpressions;
using Conduit.Tests.Operability;

namespace Conduit.Tests.Architecture;

/// <summary>
/// src/Infrastructure holds mechanisms only: none of its files (C# or SQL) names a domain table. What a feature
/// stores, and the SQL over it, lives in the feature's folder.
/// </summary>
public sealed partial class MechanismTests
{
    [Fact]
    public void No_infrastructure_file_names_a_domain_table()
    {
        var offenders = SourceFiles("src/Infrastructure")
            .SelectMany(file => DomainTables().Matches(File.ReadAllText(file)).Select(match => $"{Path.GetRelativePath(Repository.Root, file)}: {match.Value}"))
            .ToList();

        offenders.Should().BeEmpty("a domain table belongs to its feature (src/Features/<Area>), behind a mechanism's interface if Infrastructure needs it");
    }

    [Fact]
    public void The_rule_sees_domain_tables_where_they_are()
    {
        // Guards the test above against passing vacuously: the features' SQL must match the same pattern.
        string[] expected = ["users", "articles", "comments", "favorites", "follows", "tags", "article_tags", "sessions", "audit_log", "live_events", "search_count"];
        var named = SourceFiles("src/Features")
            .SelectMany(file => DomainTables().Matches(File.ReadAllText(file)).Select(match => match.Groups["table"].Value))
            .ToHashSet();

        named.Should().Contain(expected);
    }

    private static IEnumerable<string> SourceFiles(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Repository.Root, folder), "*.*", SearchOption.AllDirectories)
            .Where(file => file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".sql", StringComparison.Ordinal));

    // A table as SQL names it (after FROM, JOIN, INTO, UPDATE, TABLE, REFERENCES, ON ... (, TRUNCATE), or any live_* / search_* object.
    [GeneratedRegex(@"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|REFERENCES|TRUNCATE|ON)\s+(?:ONLY\s+)?(?<table>users|articles|comments|favorites|follows|tags|article_tags|sessions|audit_log|spent_refresh_tokens)\b|\b(?<table>(?:live|search)_[a-z_]+)\b")]
    private static partial Regex DomainTables();
}
