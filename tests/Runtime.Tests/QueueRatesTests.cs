using TypedTasks.Client;

namespace TypedTasks.Runtime.Tests;

/// <summary>The queues' in and out rates between two snapshots (<see cref="QueueRates"/>, <see cref="QueueRateTracker"/>).</summary>
public sealed class QueueRatesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private const string Consumer = "tt_default";

    /// <summary>A queue with a consumer: waiting, held, deliveries made.</summary>
    private static QueueDepth Served(long waiting, long held, ulong delivered, string queue = "default", string consumer = Consumer)
        => new(queue, waiting + held, waiting, held, 0, consumer, 0, delivered);

    /// <summary>A queue no worker has served: only its stored count.</summary>
    private static QueueDepth Unserved(long stored, string queue = "default") => new(queue, stored, null, null, null, null, null);

    private static QueueSnapshot At(double seconds, params QueueDepth[] queues)
        => new(queues, "TT_SCHEDULED", false, 0, 0, Start.AddSeconds(seconds));

    [Fact]
    public void SentDeliveredAndAcked_CountInAndOut_PerSecond()
    {
        // 10 s: 30 sent, 25 delivered, of which 20 acked (5 still held).
        var earlier = At(0, Served(waiting: 5, held: 2, delivered: 100));
        var later = At(10, Served(waiting: 10, held: 7, delivered: 125));

        var reading = QueueRates.Between(earlier, later)!;

        Assert.Equal(TimeSpan.FromSeconds(10), reading.Over);
        Assert.Equal(new QueueRate(3.0, 2.0), reading.Rates["default"]);
        // In − out is the change of waiting + held.
        Assert.Equal((10 + 7 - (5 + 2)) / 10.0, reading.Rates["default"].InPerSecond - reading.Rates["default"].OutPerSecond);
    }

    [Fact]
    public void ARedelivery_CountsOnceInAndOnceOut()
    {
        // One task held; its ack wait expires and the server delivers it again (a new delivery; the first one ended).
        var earlier = At(0, Served(waiting: 0, held: 1, delivered: 1));
        var redelivered = At(2, Served(waiting: 0, held: 1, delivered: 2));
        var acked = At(4, Served(waiting: 0, held: 0, delivered: 2));

        Assert.Equal(new QueueRate(0.5, 0.5), QueueRates.Between(earlier, redelivered)!.Rates["default"]);
        Assert.Equal(new QueueRate(0, 0.5), QueueRates.Between(redelivered, acked)!.Rates["default"]);
        // Over the whole span, the one task: in 1, out 2 (its lost delivery and its acknowledged one).
        Assert.Equal(new QueueRate(0.25, 0.5), QueueRates.Between(earlier, acked)!.Rates["default"]);
    }

    [Fact]
    public void WithoutAConsumer_InIsTheStoredGrowth_AndNothingLeaves()
    {
        var reading = QueueRates.Between(At(0, Unserved(4)), At(2, Unserved(10)))!;

        Assert.Equal(new QueueRate(3, 0), reading.Rates["default"]);
    }

    [Fact]
    public void AConsumerCreatedBetween_StartsFromTheStoredTasks()
    {
        // 10 stored, nobody served; then a worker starts, 2 more are sent, and it delivers 12 and acks 9.
        var reading = QueueRates.Between(At(0, Unserved(10)), At(4, Served(waiting: 0, held: 3, delivered: 12)))!;

        Assert.Equal(new QueueRate(0.5, 2.25), reading.Rates["default"]);
    }

    [Fact]
    public void AQueueNewInTheLaterSnapshot_StartsFromNothing()
    {
        var reading = QueueRates.Between(At(0), At(2, Unserved(6, "email")))!;

        Assert.Equal(new QueueRate(3, 0), reading.Rates["email"]);
    }

    [Fact]
    public void CountersGoingBack_OrAnotherConsumer_GiveNoRate()
    {
        // A purge: waiting dropped without deliveries.
        Assert.Empty(QueueRates.Between(At(0, Served(100, 0, 5)), At(2, Served(0, 0, 5)))!.Rates);
        // The consumer deleted and created again: its delivered count restarted.
        Assert.Empty(QueueRates.Between(At(0, Served(0, 0, 500)), At(2, Served(0, 0, 3)))!.Rates);
        // Another consumer name.
        Assert.Empty(QueueRates.Between(At(0, Served(0, 0, 5)), At(2, Served(0, 0, 9, consumer: "tt_other")))!.Rates);
        // Stored shrank without a consumer (a purge).
        Assert.Empty(QueueRates.Between(At(0, Unserved(10)), At(2, Unserved(3)))!.Rates);
    }

    [Fact]
    public void SnapshotsCloserThanTheMinimumSpan_OrOutOfOrder_GiveNoReading()
    {
        Assert.Null(QueueRates.Between(At(0, Unserved(1)), At(0.5, Unserved(5))));
        Assert.Null(QueueRates.Between(At(5, Unserved(1)), At(0, Unserved(5))));
    }

    [Fact]
    public void Tracker_HasNoRatesUntilASecondSnapshotFarEnoughApart_ThenKeepsTheLastOnes()
    {
        var tracker = new QueueRateTracker();

        Assert.Null(tracker.Observe(At(0, Unserved(0))));
        Assert.Null(tracker.Observe(At(0.5, Unserved(1)))); // too close to the first: still none
        var first = tracker.Observe(At(2, Unserved(4)));
        Assert.Equal(new QueueRate(2, 0), first!.Rates["default"]);

        // Close to the kept one: the last rates again; the kept snapshot stays the one at 2 s.
        Assert.Same(first, tracker.Observe(At(2.5, Unserved(100))));
        // An older snapshot (read concurrently, answered late): the last rates.
        Assert.Same(first, tracker.Observe(At(1, Unserved(2))));
        var second = tracker.Observe(At(4, Unserved(10)));
        Assert.Equal(new QueueRate(3, 0), second!.Rates["default"]);
        Assert.Equal(TimeSpan.FromSeconds(2), second.Over);
    }

    [Fact]
    public void Tracker_ConcurrentObservers_AllGetAReadingOrNone_WithoutTearing()
    {
        var tracker = new QueueRateTracker();
        tracker.Observe(At(0, Served(0, 0, 0)));
        Parallel.For(1, 1_000, i =>
        {
            var reading = tracker.Observe(At(i, Served(0, 0, (ulong)(i * 10))));
            if (reading is not null && reading.Rates.TryGetValue("default", out var rate))
            {
                Assert.True(rate.OutPerSecond >= 0 && rate.InPerSecond >= 0);
            }
        });
        Assert.NotNull(tracker.Observe(At(2_000, Served(0, 0, 20_000))));
    }
}
