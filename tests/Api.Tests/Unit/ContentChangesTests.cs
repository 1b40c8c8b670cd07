using Conduit.Infrastructure.Caching;
using Npgsql;

namespace Conduit.Tests.Unit;

public sealed class ContentChangesTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;
    }

    private static readonly NpgsqlDataSource Unused = NpgsqlDataSource.Create("Host=127.0.0.1");

    [Fact]
    public void Changes_arriving_out_of_order_count_as_applied_once_the_earlier_ones_arrive()
    {
        var changes = new ContentChanges(Unused, new ManualTime());

        changes.OnNotification("3 a1");
        changes.OnNotification("1 a2");
        changes.HasApplied(1).Should().BeTrue();
        changes.HasApplied(3).Should().BeFalse("2 has not arrived");

        changes.OnNotification("2 a3");
        changes.HasApplied(3).Should().BeTrue();
        changes.HasApplied(4).Should().BeFalse();
    }

    [Fact]
    public void A_number_that_never_arrives_is_given_up_on_after_a_second_and_later_ones_then_count()
    {
        var time = new ManualTime();
        var changes = new ContentChanges(Unused, time);
        changes.OnNotification("1 a1");
        foreach (var change in Enumerable.Range(3, 1000))
        {
            changes.OnNotification($"{change} a{change}"); // 2 was rolled back
        }

        changes.HasApplied(1002).Should().BeFalse();
        time.Ticks += TimeSpan.FromSeconds(1.1).Ticks;
        changes.HasApplied(1002).Should().BeTrue();

        changes.OnNotification("1004 a1");
        changes.HasApplied(1004).Should().BeFalse("1003 has not arrived");
        changes.OnNotification("1003 a1");
        changes.HasApplied(1004).Should().BeTrue();
    }
}
