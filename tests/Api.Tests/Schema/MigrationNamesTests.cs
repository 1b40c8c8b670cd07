using System.Text.RegularExpressions;
using Conduit.Infrastructure.Database;

namespace Conduit.Tests.Schema;

/// <summary>
/// DbUp knows a migration only by its embedded name, journaled in <c>schemaversions</c>. The scripts live with the
/// features that own them (src/**/Migrations/), but their names must stay what existing databases have
/// journaled, or an upgrade would run them again.
/// </summary>
public sealed partial class MigrationNamesTests
{
    // What every database migrated before the scripts moved has in schemaversions (the scripts were embedded
    // from src/Infrastructure/Database/Migrations/ then).
    private static readonly string[] Journaled =
    [
        "Migrations.0001_initial_schema.sql",
        "Migrations.0002_article_count.sql",
        "Migrations.0003_tag_usage.sql",
        "Migrations.0004_article_tags_by_date.sql",
        "Migrations.0005_throttle_buckets.sql",
        "Migrations.0006_cache_notifications.sql",
        "Migrations.0007_sessions.sql",
        "Migrations.0008_idempotency_and_versions.sql",
        "Migrations.0009_live_events.sql",
        "Migrations.0010_roles_moderation.sql",
        "Migrations.0011_article_search.sql",
        "Migrations.0012_search_cache.sql",
        "Migrations.0013_feed_index_only.sql",
        "Migrations.0014_uncontended_counters.sql",
        "Migrations.0015_kept_search_counts.sql",
        "Migrations.0016_search_index_without_pending_list.sql",
        "Migrations.0019_spent_refresh_tokens.sql",
    ];

    private static IReadOnlyList<string> Embedded { get; } =
        [.. typeof(Migrator).Assembly.GetManifestResourceNames().Where(name => name.StartsWith("Migrations.", StringComparison.Ordinal))];

    [Fact]
    public void Every_script_an_existing_database_has_journaled_keeps_its_name()
    {
        Embedded.Should().Contain(Journaled);
    }

    [Fact]
    public void Every_migration_is_named_Migrations_dot_four_digits_underscore_name_with_a_number_of_its_own()
    {
        Embedded.Should().NotBeEmpty();
        Embedded.Where(name => !MigrationName().IsMatch(name)).Should().BeEmpty("every embedded migration is Migrations.NNNN_<name>.sql");

        var reused = Embedded.GroupBy(name => name["Migrations.".Length..][..4]).Where(number => number.Count() > 1)
            .Select(number => string.Join(" and ", number.Order(StringComparer.Ordinal)));
        reused.Should().BeEmpty("each migration number is used once (DbUp runs them in name order)");
    }

    [Fact]
    public void Every_sql_file_in_a_Migrations_folder_is_embedded_under_its_file_name()
    {
        var files = Directory.EnumerateFiles(Path.Combine(Operability.Repository.Root, "src"), "*.sql", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(Path.GetDirectoryName(path)) == "Migrations")
            .Select(path => "Migrations." + Path.GetFileName(path));

        Embedded.Should().BeEquivalentTo(files);
    }

    [GeneratedRegex(@"^Migrations\.[0-9]{4}_[a-z0-9_]+\.sql$")]
    private static partial Regex MigrationName();
}
