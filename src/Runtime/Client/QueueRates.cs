namespace TypedTasks.Client;

/// <summary>Tasks per second arriving in a queue and leaving it, between two snapshots.</summary>
/// <param name="InPerSecond">Arrived: the change of waiting plus delivered (see <see cref="QueueRates.Arrived"/>), per second.</param>
/// <param name="OutPerSecond">Left: the change of delivered minus held (see <see cref="QueueRates.Left"/>), per second.</param>
internal readonly record struct QueueRate(double InPerSecond, double OutPerSecond);

/// <summary>The rates of every queue between two snapshots, and the time between them.</summary>
/// <param name="Rates">By queue name; a queue is missing when its rates are unknown for this span (its consumer was
/// replaced, or a purge made a counter go back).</param>
/// <param name="Over">The time between the two snapshots.</param>
internal sealed record QueueRateReading(IReadOnlyDictionary<string, QueueRate> Rates, TimeSpan Over);

/// <summary>
/// The arithmetic of the queues' in and out rates (issue 13), shared by the dashboard and <c>tt</c>: two counters per queue,
/// read in one consumer info so they agree with each other, and their change between two snapshots.
/// <list type="bullet">
/// <item><b>Arrived</b> = waiting (<c>num_pending</c>) + deliveries made (<c>delivered.consumer_seq</c>): a task sent adds one
/// to waiting, its delivery moves it from waiting to delivered.</item>
/// <item><b>Left</b> = deliveries made − held (<c>num_ack_pending</c>): deliveries that ended (acknowledged, terminated, or
/// given up for a redelivery).</item>
/// </list>
/// So in − out is exactly the change of waiting + held. A redelivery (a lost worker, an expired ack wait) is a new delivery
/// whose earlier one ended: it counts once in both in and out, as if the task left and came back. A retry is acknowledged
/// (out) and comes back when due as a new message (in). Without a consumer nothing is delivered: arrived = stored, left = 0,
/// which is also where a consumer created later starts (it delivers from the stream's start).
/// </summary>
internal static class QueueRates
{
    /// <summary>The shortest span rates are computed over: shorter ones are noise.</summary>
    public static readonly TimeSpan MinimumSpan = TimeSpan.FromSeconds(1);

    /// <summary>Tasks that have arrived in the queue, as a counter: waiting + deliveries made; stored without a consumer.</summary>
    public static long? Arrived(QueueDepth queue)
        => queue.Consumer is null ? queue.Stored : queue.Waiting is { } waiting && queue.Delivered is { } delivered ? waiting + (long)delivered : null;

    /// <summary>Deliveries that ended, as a counter: deliveries made − held; 0 without a consumer.</summary>
    public static long? Left(QueueDepth queue)
        => queue.Consumer is null ? 0 : queue.Delivered is { } delivered && queue.Held is { } held ? (long)delivered - held : null;

    /// <summary>Every queue's rates from <paramref name="earlier"/> to <paramref name="later"/>; null when they are less than
    /// <see cref="MinimumSpan"/> apart (or out of order). A queue only in the later snapshot started from nothing.</summary>
    public static QueueRateReading? Between(QueueSnapshot earlier, QueueSnapshot later)
    {
        var over = later.ReadAt - earlier.ReadAt;
        if (over < MinimumSpan)
        {
            return null;
        }

        var before = earlier.Queues.ToDictionary(q => q.Queue, StringComparer.Ordinal);
        var rates = new Dictionary<string, QueueRate>(StringComparer.Ordinal);
        foreach (var now in later.Queues)
        {
            var then = before.GetValueOrDefault(now.Queue) ?? new QueueDepth(now.Queue, 0, null, null, null, null, null);
            if (then.Consumer is not null && !string.Equals(then.Consumer, now.Consumer, StringComparison.Ordinal))
            {
                continue; // another consumer: its counters started afresh
            }

            if (Arrived(now) - Arrived(then) is not { } arrived || Left(now) - Left(then) is not { } left || arrived < 0 || left < 0)
            {
                continue; // a purge, or a consumer deleted and created again: the counters went back
            }

            rates[now.Queue] = new QueueRate(arrived / over.TotalSeconds, left / over.TotalSeconds);
        }

        return new QueueRateReading(rates, over);
    }
}

/// <summary>
/// Keeps the last snapshot to compute rates against, for a reader that takes snapshots now and then (the dashboard):
/// each snapshot at least <see cref="QueueRates.MinimumSpan"/> after the kept one gives new rates and is kept; one closer
/// to it, or older, gets the last rates. Thread-safe.
/// </summary>
internal sealed class QueueRateTracker
{
    private readonly object _gate = new();
    private QueueSnapshot? _kept;
    private QueueRateReading? _last;

    /// <summary>Takes a snapshot in; the rates as of it, or null until two snapshots far enough apart were seen.</summary>
    public QueueRateReading? Observe(QueueSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_kept is null)
            {
                _kept = snapshot;
                return null;
            }

            if (QueueRates.Between(_kept, snapshot) is { } reading)
            {
                _kept = snapshot;
                _last = reading;
            }

            return _last;
        }
    }
}
