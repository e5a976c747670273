namespace TypedTasks.Worker;

/// <summary>
/// A worker's finished runs per minute over the last hour (and of those, the failures), for its heartbeat
/// (<see cref="WorkerInfo.LastHour"/>, docs/protocol.md §7a): what the dashboard's throughput chart sums over the live
/// workers. Sixty slots, one per minute of the hour, reused as the minutes go by: a fixed size whatever the rate, and
/// one clock read and one or two interlocked increments per run. A count may be off by one at a minute's first run,
/// when two slots race to reuse the same slot.
/// </summary>
internal sealed class ThroughputHistory(TimeProvider time)
{
    /// <summary>How many minutes are kept.</summary>
    public const int Minutes = 60;

    private readonly long[] _minute = new long[Minutes];
    private readonly long[] _processed = new long[Minutes];
    private readonly long[] _failed = new long[Minutes];
    private readonly object _reuse = new();

    /// <summary>Counts a finished run in the current minute.</summary>
    public void Record(bool failed)
    {
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        var slot = (int)(minute % Minutes);
        if (Volatile.Read(ref _minute[slot]) != minute)
        {
            Reuse(slot, minute);
        }

        Interlocked.Increment(ref _processed[slot]);
        if (failed)
        {
            Interlocked.Increment(ref _failed[slot]);
        }
    }

    /// <summary>The minutes of the last hour with finished runs, oldest first.</summary>
    public IReadOnlyList<WorkerMinute> Snapshot()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        var minutes = new List<WorkerMinute>();
        for (var minute = now - Minutes + 1; minute <= now; minute++)
        {
            var slot = (int)(minute % Minutes);
            if (Volatile.Read(ref _minute[slot]) == minute && Interlocked.Read(ref _processed[slot]) is var processed and > 0)
            {
                minutes.Add(new WorkerMinute(DateTimeOffset.FromUnixTimeSeconds(minute * 60), processed, Interlocked.Read(ref _failed[slot])));
            }
        }

        return minutes;
    }

    private void Reuse(int slot, long minute)
    {
        lock (_reuse)
        {
            if (_minute[slot] != minute)
            {
                Interlocked.Exchange(ref _processed[slot], 0);
                Interlocked.Exchange(ref _failed[slot], 0);
                Volatile.Write(ref _minute[slot], minute);
            }
        }
    }
}
