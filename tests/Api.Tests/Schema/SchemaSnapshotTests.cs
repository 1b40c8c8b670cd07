using System.Diagnostics;
using Conduit.Tests.Infrastructure;
using Conduit.Tests.Operability;
using Npgsql;

namespace Conduit.Tests.Schema;

/// <summary>
/// src/schema.sql is the one place to read today's schema: it must be exactly what the migrations make. The dump
/// comes from scripts/schema.sh itself (<c>--dump</c>), so the file and this test cannot disagree on how it is made.
/// </summary>
public sealed class SchemaSnapshotTests : IAsyncLifetime
{
    private string database = "";

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public Task DisposeAsync() => TestDatabase.DropAsync(database);

    [Fact]
    public async Task The_committed_schema_is_the_migrated_schema()
    {
        var committed = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "src", "schema.sql"));

        var dumped = await DumpAsync(database);

        dumped.Should().NotContain("\\restrict", "the per-run key of pg_dump is taken out");
        if (dumped != committed)
        {
            Assert.Fail($"src/schema.sql is not the schema the migrations make; run scripts/schema.sh and commit it.\n{FirstDifference(committed, dumped)}");
        }
    }

    [Fact]
    public async Task A_schema_change_shows_in_the_dump()
    {
        // Guards the test above: a migration that adds something must make the dump differ from the snapshot.
        await using (var connection = new NpgsqlConnection(TestDatabase.ConnectionStringFor(database)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE INDEX users_created_idx ON users (created_at)", connection);
            await command.ExecuteNonQueryAsync();
        }

        var dumped = await DumpAsync(database);

        dumped.Should().Contain("CREATE INDEX users_created_idx ON public.users USING btree (created_at);");
    }

    private static async Task<string> DumpAsync(string database)
    {
        var admin = new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString);
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine("scripts", "schema.sh"));
        start.ArgumentList.Add("--dump");
        start.ArgumentList.Add(database);
        start.Environment["PGHOST"] = admin.Host;
        start.Environment["PGPORT"] = admin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = admin.Username;
        if (!string.IsNullOrEmpty(admin.Password))
        {
            start.Environment["PGPASSWORD"] = admin.Password;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, $"scripts/schema.sh --dump failed: {await errors}");
        return await output;
    }

    /// <summary>The first line that differs, with a little of what surrounds it, as a reader needs it.</summary>
    private static string FirstDifference(string committed, string dumped)
    {
        var expected = committed.Split('\n');
        var actual = dumped.Split('\n');
        var line = 0;
        while (line < expected.Length && line < actual.Length && expected[line] == actual[line])
        {
            line++;
        }

        static string Around(string[] lines, int at) =>
            string.Join('\n', lines.Skip(Math.Max(0, at - 3)).Take(7).Select((text, i) => $"{Math.Max(0, at - 3) + i + 1,5}| {text}"));

        return $"First difference at line {line + 1}.\nsrc/schema.sql:\n{Around(expected, line)}\nthe migrated database:\n{Around(actual, line)}";
    }
}
