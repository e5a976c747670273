using Microsoft.Extensions.Time.Testing;
using TypedTasks.Worker;

namespace TypedTasks.Runtime.Tests;

/// <summary>A worker's runs per minute over the last hour (<see cref="WorkerInfo.LastHour"/>).</summary>
public sealed class ThroughputHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 30, TimeSpan.Zero);

    [Fact]
    public void Runs_AreCountedInTheirMinute_FailuresBesideThem()
    {
        var time = new FakeTimeProvider(Start);
        var history = new ThroughputHistory(time);
        history.Record(failed: false);
        history.Record(failed: true);
        time.Advance(TimeSpan.FromMinutes(1));
        history.Record(failed: false);

        Assert.Equal(
            [new WorkerMinute(Start.AddSeconds(-30), 2, 1), new WorkerMinute(Start.AddSeconds(30), 1, 0)],
            history.Snapshot());
    }

    [Fact]
    public void AMinuteOlderThanAnHour_IsForgotten_AndItsSlotCountsAgainFromZero()
    {
        var time = new FakeTimeProvider(Start);
        var history = new ThroughputHistory(time);
        for (var i = 0; i < 5; i++)
        {
            history.Record(failed: true);
        }

        time.Advance(TimeSpan.FromMinutes(ThroughputHistory.Minutes));
        Assert.Empty(history.Snapshot());

        // The same slot, an hour later: its old counts are not added.
        history.Record(failed: false);
        var minute = Assert.Single(history.Snapshot());
        Assert.Equal(1, minute.Processed);
        Assert.Equal(0, minute.Failed);
    }

    [Fact]
    public void ManyThreads_LoseNoRun()
    {
        var history = new ThroughputHistory(new FakeTimeProvider(Start));
        Parallel.For(0, 100_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => history.Record(failed: i % 10 == 0));

        var minute = Assert.Single(history.Snapshot());
        Assert.Equal(100_000, minute.Processed);
        Assert.Equal(10_000, minute.Failed);
    }
}
