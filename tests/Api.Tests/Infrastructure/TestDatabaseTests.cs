namespace Conduit.Tests.Infrastructure;

/// <summary>The tests may run against a server that is not theirs: they drop only what this run created.</summary>
public sealed class TestDatabaseTests
{
    [Theory]
    [InlineData("conduit")]
    [InlineData("postgres")]
    [InlineData("conduit_test_1_00000_0123456789abcdef0123456789abcdef")]
    public async Task Dropping_a_database_this_run_did_not_create_is_refused(string database)
    {
        var drop = () => TestDatabase.DropAsync(database);

        await drop.Should().ThrowAsync<InvalidOperationException>().WithMessage("*did not create it*");
    }

    [Fact]
    public async Task A_database_this_run_created_is_dropped_once()
    {
        var database = await TestDatabase.CreateAsync();

        await TestDatabase.DropAsync(database);
        var again = () => TestDatabase.DropAsync(database);

        await again.Should().ThrowAsync<InvalidOperationException>();
    }
}
