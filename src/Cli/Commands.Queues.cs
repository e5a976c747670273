using System.Globalization;
using System.Text.Json;
using TypedTasks.Client;

namespace TypedTasks.Cli;

/// <summary>The queue commands: <c>tt queues</c> (with <c>--sweep</c>, <c>--watch</c>) and <c>tt purge</c>.</summary>
internal sealed partial class Commands
{
    public async Task<int> QueuesAsync(bool sweep, CancellationToken cancellationToken)
    {
        var removed = sweep ? await SweepAsync(cancellationToken).ConfigureAwait(false) : new SortedDictionary<string, int>(StringComparer.Ordinal);
        // The same read as the dashboard's queues page (DeploymentQueries), so a figure reads the same in both.
        var snapshot = await DeploymentQueries.ReadQueuesAsync(Connection, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            return await WriteJsonAsync(snapshot.Queues.Select(q => new
            {
                queue = q.Queue,
                stored = q.Stored,
                waiting = q.Waiting,
                held = q.Held,
                leftovers = q.Leftovers,
                oldestWaitingSince = q.OldestWaitingSince,
                removed = removed.TryGetValue(q.Queue, out var gone) ? gone : (int?)null,
                consumer = q.Consumer,
            })).ConfigureAwait(false);
        }

        foreach (var (queue, count) in removed.Where(r => r.Value > 0))
        {
            await output.WriteLineAsync($"removed {count} acknowledged messages left below the ack floor of queue '{queue}'").ConfigureAwait(false);
        }

        if (sweep && removed.Values.Sum() == 0)
        {
            await output.WriteLineAsync("no acknowledged messages left below an ack floor: nothing to remove").ConfigureAwait(false);
        }

        await WriteQueuesAsync(snapshot, rates: null, withRates: false).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The shortest interval of <c>tt queues --watch</c>: the rates need a second between two readings (<see cref="QueueRates.MinimumSpan"/>).</summary>
    internal static readonly TimeSpan MinWatchInterval = QueueRates.MinimumSpan;

    /// <summary>The interval of <c>tt queues --watch</c> without a value.</summary>
    internal static readonly TimeSpan DefaultWatchInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <c>tt queues --watch</c>: reads the queues every <paramref name="interval"/> (through the same query as the dashboard)
    /// and prints the table again with each queue's tasks in and out per second since the reading before
    /// (<see cref="QueueRateTracker"/>, as the dashboard's queues page), until Ctrl+C cancels
    /// <paramref name="cancellationToken"/> (exit 0) or the connection is closed (exit 1). With <c>--json</c>, one JSON
    /// object per reading and line.
    /// </summary>
    public async Task<int> WatchQueuesAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        interval = interval < MinWatchInterval ? MinWatchInterval : interval;
        var connection = Connection;
        var tracker = new QueueRateTracker();
        using var timer = new PeriodicTimer(interval);
        try
        {
            var first = true;
            do
            {
                // Closed before the first reading means not connected yet (NATS.Net connects on first use); later, disposed.
                if (!first && connection.Nats.ConnectionState == NATS.Client.Core.NatsConnectionState.Closed)
                {
                    await output.WriteLineAsync("the connection to NATS is closed: stopped watching").ConfigureAwait(false);
                    return 1;
                }

                var snapshot = await DeploymentQueries.ReadQueuesAsync(connection, cancellationToken).ConfigureAwait(false);
                var rates = tracker.Observe(snapshot);
                if (json)
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(new
                    {
                        at = snapshot.ReadAt,
                        queues = snapshot.Queues.Select(q => new
                        {
                            queue = q.Queue,
                            stored = q.Stored,
                            waiting = q.Waiting,
                            held = q.Held,
                            leftovers = q.Leftovers,
                            inPerSecond = RateOf(rates, q.Queue)?.InPerSecond,
                            outPerSecond = RateOf(rates, q.Queue)?.OutPerSecond,
                            oldestWaitingSince = q.OldestWaitingSince,
                            consumer = q.Consumer,
                        }),
                        dueLater = snapshot.DueLater,
                    })).ConfigureAwait(false);
                }
                else
                {
                    await output.WriteLineAsync($"queues at {snapshot.ReadAt.UtcDateTime:HH:mm:ss} UTC, every {interval.TotalSeconds:0.#} s (Ctrl+C stops)"
                        + (rates is null ? "; in/out per second from the next reading on" : $"; in/out per second over the last {rates.Over.TotalSeconds:0.0} s")).ConfigureAwait(false);
                    await WriteQueuesAsync(snapshot, rates, withRates: true).ConfigureAwait(false);
                    await output.WriteLineAsync().ConfigureAwait(false);
                }

                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                first = false;
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the watch is over.
        }

        return 0;
    }

    private static QueueRate? RateOf(QueueRateReading? rates, string queue)
        => rates is not null && rates.Rates.TryGetValue(queue, out var rate) ? rate : null;

    /// <summary>The queues table and the notes under it; with <paramref name="withRates"/>, the in and out columns too.</summary>
    private async Task WriteQueuesAsync(QueueSnapshot snapshot, QueueRateReading? rates, bool withRates)
    {
        var header = new List<string> { "QUEUE", "STORED", "WAITING", "HELD BY WORKERS", "LEFTOVERS" };
        if (withRates)
        {
            header.AddRange(["IN/S", "OUT/S"]);
        }

        header.AddRange(["OLDEST WAITING", "CONSUMER"]);
        var rows = new List<string[]> { header.ToArray() };
        foreach (var q in snapshot.Queues)
        {
            var row = new List<string>
            {
                q.Queue,
                q.Stored.ToString(CultureInfo.InvariantCulture),
                q.Waiting?.ToString(CultureInfo.InvariantCulture) ?? "-",
                q.Held?.ToString(CultureInfo.InvariantCulture) ?? "-",
                q.Leftovers?.ToString(CultureInfo.InvariantCulture) ?? "-",
            };
            if (withRates)
            {
                var rate = RateOf(rates, q.Queue);
                row.Add(rate?.InPerSecond.ToString("0.0", CultureInfo.InvariantCulture) ?? "-");
                row.Add(rate?.OutPerSecond.ToString("0.0", CultureInfo.InvariantCulture) ?? "-");
            }

            row.Add(q.OldestWaitingSince is { } since ? WaitedFor(snapshot.ReadAt - since) : "-");
            row.Add(q.Consumer ?? "(none: no worker has served it)");
            rows.Add(row.ToArray());
        }

        if (snapshot.Queues.Count == 0)
        {
            await output.WriteLineAsync("no queues (no task sent and no worker started on this prefix)").ConfigureAwait(false);
        }
        else
        {
            await WriteTableAsync(rows).ConfigureAwait(false);
        }

        if (snapshot.OldestUnreadable)
        {
            await output.WriteLineAsync("oldest waiting: not read (this role may not read the task stream's messages, $JS.API.STREAM.MSG.GET, or no answer in time)").ConfigureAwait(false);
        }

        var total = snapshot.Queues.Sum(q => q.Leftovers ?? 0);
        if (total > 0)
        {
            await output.WriteLineAsync(
                $"leftovers: {total} stored tasks are neither waiting nor held: acknowledged messages kept below their queue's ack floor "
                + "(nats-server 2.9.x after a crash), or tasks sent or acked while this ran. Leftovers never run again; workers remove them "
                + "(TypedTasks:Worker:LeftoverSweepInterval), and so does tt queues --sweep").ConfigureAwait(false);
        }

        var waiting = snapshot.WaitingStream;
        await output.WriteLineAsync(snapshot.DueLater is { } later
            ? $"due later: {later} in {waiting} ({(snapshot.NativeScheduling ? "the server's scheduled delivery" : "the schedule stream")})"
            : $"due later: 0 ({waiting} does not exist)").ConfigureAwait(false);
    }

    /// <summary>How long the oldest waiting task has waited, short: <c>42s</c>, <c>3m12s</c>, <c>2h05m</c>, <c>1d03h</c>.</summary>
    internal static string WaitedFor(TimeSpan age)
        => age < TimeSpan.Zero ? "0s"
            : age.TotalMinutes < 1 ? $"{(int)age.TotalSeconds}s"
            : age.TotalHours < 1 ? $"{age.Minutes}m{age.Seconds:00}s"
            : age.TotalDays < 1 ? $"{age.Hours}h{age.Minutes:00}m"
            : $"{(int)age.TotalDays}d{age.Hours:00}h";

    /// <summary>Removes every queue's leftovers, scan after scan until none is left; the count removed per queue.</summary>
    private async Task<SortedDictionary<string, int>> SweepAsync(CancellationToken cancellationToken)
    {
        var removed = new SortedDictionary<string, int>(StringComparer.Ordinal);
        bool more;
        do
        {
            more = false;
            foreach (var found in await LeftoverScanner.ScanAsync(Connection, LeftoverScanner.DefaultLimit, cancellationToken).ConfigureAwait(false))
            {
                if (found.Sequences.Count == 0)
                {
                    continue;
                }

                var count = await LeftoverScanner.RemoveAsync(Connection, found, cancellationToken).ConfigureAwait(false);
                removed[found.Queue] = removed.GetValueOrDefault(found.Queue) + count;
                // Another scan only when this one stopped at its limit and made progress.
                more |= found.More && count > 0;
            }
        }
        while (more);

        return removed;
    }

    public async Task<int> PurgeAsync(string queue, CancellationToken cancellationToken)
    {
        // The same purge as the dashboard's (DeploymentActions): every task stored for the queue.
        var purged = await DeploymentActions.PurgeQueueAsync(Connection, queue, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"deleted {purged} task{(purged == 1 ? string.Empty : "s")} from queue '{queue}' (tasks already running finish; tasks due later are not touched)").ConfigureAwait(false);
        return 0;
    }
}
