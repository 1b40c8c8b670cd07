using Conduit.Features.Articles;

namespace Conduit.Tests.Unit;

/// <summary>
/// bench/list-articles.sql is the ceiling the benchmark compares the API with: it must stay the exact SQL
/// of the anonymous article list, with pgbench variables for the parameters.
/// </summary>
public sealed class BenchmarkSqlTests
{
    [Fact]
    public void The_pgbench_script_runs_the_article_list_handlers_SQL()
    {
        var script = File.ReadAllLines(Path.Combine(Operability.Repository.Root, "bench", "list-articles.sql"));
        var statements = string.Join('\n', script.Where(line => !line.StartsWith('\\') && !line.StartsWith("--", StringComparison.Ordinal))).Trim();

        var expected = ListArticles.PageHandler.UnfilteredSql
            .Replace("@Viewer", ":viewer", StringComparison.Ordinal)
            .Replace("@Limit", ":limit", StringComparison.Ordinal)
            .Replace("@Offset", ":offset", StringComparison.Ordinal)
            .ReplaceLineEndings("\n").Trim();

        statements.Should().Be(expected);
    }
}
