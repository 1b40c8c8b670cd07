using Conduit.Tests.Infrastructure;
using Npgsql;

namespace Conduit.Tests.Schema;

/// <summary>
/// Triggers keep invariants whoever writes; each trigger function says in its comment which one (migration 0020),
/// so src/schema.sql and psql's \df+ tell a reader what it keeps true.
/// </summary>
public sealed class TriggerFunctionCommentTests : IAsyncLifetime
{
    private const string TriggerFunctionsSql = """
        SELECT p.oid::regprocedure::text AS function, coalesce(btrim(d.description), '') AS comment
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
        WHERE p.prorettype = 'trigger'::regtype AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1
        """;

    private string database = "";

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public Task DisposeAsync() => TestDatabase.DropAsync(database);

    [Fact]
    public async Task Every_trigger_function_says_in_its_comment_what_it_keeps_true()
    {
        var functions = await TriggerFunctionsAsync();

        functions.Should().Contain(f => f.Function == "article_count_changed()", "the migrated schema has trigger functions");
        var uncommented = functions.Where(f => f.Comment.Length == 0).Select(f => f.Function).ToList();
        uncommented.Should().BeEmpty(
            "every trigger function needs COMMENT ON FUNCTION <name>(<args>) IS '<the invariant it keeps>' in a migration; missing for: {0}",
            string.Join(", ", uncommented));
    }

    [Fact]
    public async Task A_trigger_function_without_a_comment_is_found()
    {
        // Guards the test above against passing vacuously.
        await using (var connection = new NpgsqlConnection(TestDatabase.ConnectionStringFor(database)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "CREATE FUNCTION uncommented_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$", connection);
            await command.ExecuteNonQueryAsync();
        }

        var functions = await TriggerFunctionsAsync();

        functions.Where(f => f.Comment.Length == 0).Select(f => f.Function).Should().Contain("uncommented_trigger()");
    }

    private async Task<List<(string Function, string Comment)>> TriggerFunctionsAsync()
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionStringFor(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(TriggerFunctionsSql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var functions = new List<(string, string)>();
        while (await reader.ReadAsync())
        {
            functions.Add((reader.GetString(0), reader.GetString(1)));
        }

        return functions;
    }
}
