using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Backend;
using TypedTasks.Client;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Cli;

/// <summary>The commands of <c>tt</c>, each through the same services an application uses.</summary>
internal sealed class Commands(IServiceProvider services, TextWriter output, bool json, TextWriter error)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private TypedTasksConnection Connection => services.GetRequiredService<TypedTasksConnection>();

    public async Task<int> WorkersAsync(bool includeLost, CancellationToken cancellationToken)
    {
        var workers = await services.GetRequiredService<IWorkerInspector>().ListAsync(includeLost ? WorkerListing.AliveAndLost : WorkerListing.Alive, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            return await WriteJsonAsync(workers.Select(WorkerJson)).ConfigureAwait(false);
        }

        if (workers.Count == 0)
        {
            await output.WriteLineAsync(includeLost ? "no workers (none has sent a heartbeat in the last hour)" : "no workers up").ConfigureAwait(false);
            return 0;
        }

        var now = DateTimeOffset.UtcNow;
        var rows = new List<string[]> { new[] { "WORKER", "STATE", "QUEUES", "BUSY", "DONE", "FAILED", "LAST HEARTBEAT" } };
        rows.AddRange(workers.Select(w => new[]
        {
            w.Id,
            w.IsAliveAt(now) ? "up" : "lost",
            string.Join(',', w.Queues),
            $"{w.Active.Count}/{w.Concurrency}",
            w.Processed.ToString(CultureInfo.InvariantCulture),
            w.Failed.ToString(CultureInfo.InvariantCulture),
            Ago(now - w.HeartbeatAt),
        }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        foreach (var worker in workers)
        {
            foreach (var task in worker.Active)
            {
                await output.WriteLineAsync($"  {worker.Id} runs {task.TaskName}[{task.Id}] attempt {task.Attempt}, for {Ago(now - task.StartedAt)}").ConfigureAwait(false);
            }
        }

        return 0;
    }

    /// <summary>The periodic schedules recorded in the schedules bucket, with their last and next occurrence: the read the
    /// dashboard's periodic page makes (<see cref="DeploymentQueries.ReadPeriodicSchedulesAsync"/>, at most 500).</summary>
    public async Task<int> SchedulesAsync(CancellationToken cancellationToken)
    {
        var connection = Connection;
        var view = await DeploymentQueries.ReadPeriodicSchedulesAsync(connection, DeploymentQueries.MaxPageSize, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        var records = view.Schedules;
        if (json)
        {
            return await WriteJsonAsync(records.Select(r => new { schedule = JsonDocument.Parse(r.Record.ToBytes()).RootElement, next = r.Next })).ConfigureAwait(false);
        }

        if (records.Count == 0)
        {
            await output.WriteLineAsync($"no schedules (no worker with periodic tasks has run on prefix '{connection.Options.Prefix}')").ConfigureAwait(false);
            return 0;
        }

        var now = DateTimeOffset.UtcNow;
        var rows = new List<string[]> { new[] { "SCHEDULE", "TASK", "QUEUE", "WHEN", "LAST", "NEXT" } };
        rows.AddRange(records.Select(r => new[]
        {
            r.Record.Name,
            r.Record.Task,
            r.Record.Queue,
            r.Record.Cron is { } cron ? $"{cron} ({r.Record.TimeZone})" : "every " + r.Record.Every,
            r.Record.LastOccurrence is { } last ? $"{last.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} ({Ago(now - last)})" : "never",
            r.Record.Removed ? "removed" : r.Next is { } next ? $"{next.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} (in {Span(next - now)})" : "none",
        }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        if (view.More)
        {
            await output.WriteLineAsync($"only the first {DeploymentQueries.MaxPageSize} schedules of the bucket are listed").ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Removes a schedule in every running worker (<see cref="IPeriodicSchedules.RemoveAsync"/>).</summary>
    public async Task<int> ScheduleRemoveAsync(string name, CancellationToken cancellationToken)
    {
        var schedules = services.GetRequiredService<IPeriodicSchedules>();
        var record = await DeploymentActions.ReadScheduleAsync(Connection, name, cancellationToken).ConfigureAwait(false);
        if (record is { Removed: false } && await schedules.RemoveAsync(name, cancellationToken).ConfigureAwait(false) is { } revision)
        {
            await output.WriteLineAsync($"removed schedule '{name}' (record revision {revision}); running workers stop sending it").ConfigureAwait(false);
            if (record.Source is null or ScheduleRecord.FromCode)
            {
                // docs/periodic.md: a worker declaring it writes the code's definition back when it starts.
                await output.WriteLineAsync("note: a worker's code declares it ([Periodic] or AddPeriodic): a worker with that code brings it back when it starts; remove it from the code as well").ConfigureAwait(false);
            }

            return 0;
        }

        await output.WriteLineAsync($"no schedule '{name}' (or it is removed already)").ConfigureAwait(false);
        return 1;
    }

    /// <summary>Sends a schedule's task once now (<see cref="DeploymentActions.RunScheduleNowAsync"/>, as the dashboard's "Run now").</summary>
    public async Task<int> ScheduleRunAsync(string name, CancellationToken cancellationToken)
    {
        var run = await DeploymentActions.RunScheduleNowAsync(Connection, services.GetRequiredService<ITaskClient>(), name, cancellationToken).ConfigureAwait(false);
        if (run is not { TaskId: { } id, Schedule: var schedule })
        {
            await output.WriteLineAsync(run is null ? $"no schedule '{name}' (see tt schedules)" : $"schedule '{name}' is removed: not run").ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync(json
            ? JsonSerializer.Serialize(new { id, task = schedule.Task, queue = schedule.Queue, schedule = schedule.Name })
            : $"sent schedule '{name}' now as task {id} ({schedule.Task} on queue {schedule.Queue}); its next occurrence is unchanged").ConfigureAwait(false);
        return 0;
    }

    /// <summary>A page of the tasks due later (<see cref="DeploymentQueries.ReadDueLaterAsync"/>, as the dashboard's due-later page).</summary>
    public async Task<int> DueLaterAsync(ulong from, int limit, CancellationToken cancellationToken)
    {
        var page = await DeploymentQueries.ReadDueLaterAsync(Connection, from, limit, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(
                new
                {
                    stream = page.Stream,
                    nativeScheduling = page.NativeScheduling,
                    total = page.Total,
                    next = page.NextSequence,
                    tasks = page.Tasks.Select(t => new { sequence = t.Sequence, taskId = t.TaskId, taskName = t.TaskName, queue = t.Queue, dueAt = t.DueAt, attempt = t.Attempt, storedAt = t.StoredAt }),
                },
                JsonOptions)).ConfigureAwait(false);
            return 0;
        }

        var where = $"{page.Stream} ({(page.NativeScheduling ? "the server's scheduled delivery" : "the schedule stream")})";
        if (page.Tasks.Count == 0)
        {
            await output.WriteLineAsync(from > 1 ? $"no tasks due later from sequence {from} on in {where}" : $"nothing is due later in {where}").ConfigureAwait(false);
            return 0;
        }

        var now = DateTimeOffset.UtcNow;
        var rows = new List<string[]> { new[] { "SEQ", "TASK", "ID", "QUEUE", "DUE", "ATTEMPT" } };
        rows.AddRange(page.Tasks.Select(t => new[]
        {
            t.Sequence.ToString(CultureInfo.InvariantCulture),
            t.TaskName ?? "-",
            t.TaskId ?? "-",
            t.Queue,
            t.DueAt is { } due ? $"{due.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} ({(due > now ? "in " + Span(due - now) : Ago(now - due))})" : "-",
            t.Attempt.ToString(CultureInfo.InvariantCulture) + (t.Attempt > 1 ? " (retry)" : string.Empty),
        }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        await output.WriteLineAsync($"{page.Tasks.Count} of {page.Total} due later in {where}, in the order they were stored").ConfigureAwait(false);
        await WriteNextPageAsync("tt scheduled", page.NextSequence, limit, TtParser.DueLaterPageSize).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Cancels a task due later (<see cref="DeploymentActions.CancelDueTaskAsync"/>, as the dashboard's "Cancel").</summary>
    public async Task<int> DueCancelAsync(ulong sequence, CancellationToken cancellationToken)
    {
        var acted = await DeploymentActions.CancelDueTaskAsync(Connection, services.GetRequiredService<NatsResultBackend>(), sequence, cancellationToken).ConfigureAwait(false);
        if (acted is null)
        {
            return await NothingDueAsync(sequence).ConfigureAwait(false);
        }

        await output.WriteLineAsync(acted.Removed
            ? $"cancelled {Named(acted.Task)}: revoked and removed from {Connection.WaitingStream}; it never runs"
            : $"revoked {Named(acted.Task)}: it had just reached queue '{acted.Task.Queue}', where workers refuse it").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Moves a task due later to its queue now (<see cref="DeploymentActions.RunDueTaskNowAsync"/>, as the dashboard's "Run now").</summary>
    public async Task<int> DueRunAsync(ulong sequence, CancellationToken cancellationToken)
    {
        if (await DeploymentActions.RunDueTaskNowAsync(Connection, sequence, cancellationToken).ConfigureAwait(false) is not { } acted)
        {
            return await NothingDueAsync(sequence).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"moved {Named(acted.Task)} to queue '{acted.Task.Queue}': it runs now instead of when it was due").ConfigureAwait(false);
        return 0;
    }

    private async Task<int> NothingDueAsync(ulong sequence)
    {
        await output.WriteLineAsync($"nothing waits at sequence {sequence} in {Connection.WaitingStream}: it reached its queue, or was cancelled or run already (see tt scheduled)").ConfigureAwait(false);
        return 1;
    }

    private static string Named(DueTask task)
        => (task.TaskId is { } id ? "task " + id : $"the task at sequence {task.Sequence}") + (task.TaskName is { } name ? $" ({name})" : string.Empty);

    /// <summary>Under a page: where the next one starts, as the command to type; nothing on the last page.</summary>
    private async Task WriteNextPageAsync(string command, ulong? next, int limit, int defaultLimit)
    {
        if (next is { } sequence)
        {
            var more = limit == defaultLimit ? string.Empty : " --limit " + limit.ToString(CultureInfo.InvariantCulture);
            await output.WriteLineAsync($"next page: {command} --from {sequence}{more}").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks the task and its arguments against the catalog before <c>tt send</c> sends anything: the task's entry (its
    /// queue is the default), or a refusal naming what is wrong. No catalog at all (workers older than the catalog): a
    /// warning, and the task is sent unchecked.
    /// </summary>
    private async Task<(TaskCatalogEntry? Entry, string? Refusal)> CheckAgainstCatalogAsync(string taskName, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        var connection = Connection;
        var (entry, bucketExists) = await TaskCatalog.ReadAsync(connection, taskName, cancellationToken).ConfigureAwait(false);
        const string Skip = "; nothing was sent (tt tasks lists the catalog; --no-validate sends without this check)";
        if (entry is null)
        {
            var view = bucketExists ? await TaskCatalog.ReadAllAsync(connection, TaskCatalog.MaxTasks, cancellationToken).ConfigureAwait(false) : null;
            if (view is null || view.Entries.Count == 0)
            {
                await error.WriteLineAsync($"tt: warning: no task catalog on prefix '{connection.Options.Prefix}' (workers older than the catalog publish none): '{WireText.Bound(taskName)}' and its arguments were not checked").ConfigureAwait(false);
                return (null, null);
            }

            var close = TaskCatalog.CloseNames(taskName, view.Entries.Select(e => e.Name));
            var hint = close.Count > 0 ? "; did you mean " + string.Join(", ", close.Select(n => "'" + n + "'")) + "?" : string.Empty;
            return (null, $"tt: no task '{WireText.Bound(taskName)}' in the task catalog ({view.Entries.Count} tasks published by the workers){hint}{Skip}");
        }

        var problems = TaskCatalog.CheckArguments(entry, arguments);
        if (problems.Count == 0)
        {
            return (entry, null);
        }

        var text = new StringBuilder($"tt: the arguments do not fit task '{entry.Name}' ({Signature(entry)}){Skip}:");
        foreach (var problem in problems)
        {
            text.Append("\n  ").Append(problem);
        }

        return (entry, text.ToString());
    }

    private static string Span(TimeSpan span)
        => span.TotalSeconds < 60 ? $"{Math.Max(0, span.TotalSeconds):F0} s"
            : span.TotalHours < 1 ? $"{span.TotalMinutes:F0} min"
            : span.TotalDays < 2 ? $"{span.TotalHours:F1} h"
            : $"{span.TotalDays:F0} d";

    public async Task<int> PingAsync(TimeSpan? wait, CancellationToken cancellationToken)
    {
        var workers = await services.GetRequiredService<IWorkerInspector>().PingAsync(wait, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            await WriteJsonAsync(workers.Select(WorkerJson)).ConfigureAwait(false);
            return workers.Count == 0 ? 1 : 0;
        }

        if (workers.Count == 0)
        {
            await output.WriteLineAsync("no worker answered").ConfigureAwait(false);
            return 1;
        }

        foreach (var worker in workers)
        {
            await output.WriteLineAsync($"{worker.Id}: pong ({worker.Busy}/{worker.Concurrency} busy, {worker.Processed} done, queues {string.Join(',', worker.Queues)})").ConfigureAwait(false);
        }

        return 0;
    }

    public async Task<int> ShutdownAsync(string workerId, CancellationToken cancellationToken)
    {
        if (!await services.GetRequiredService<IWorkerInspector>().ShutdownAsync(workerId, cancellationToken).ConfigureAwait(false))
        {
            await output.WriteLineAsync($"no worker '{workerId}' answered (see tt workers; remote control may be off: TypedTasks:Worker:RemoteControl:Enabled)").ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync($"{workerId} is stopping: no new tasks; running ones finish within its grace period").ConfigureAwait(false);
        return 0;
    }

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

    public async Task<int> StatusAsync(string id, CancellationToken cancellationToken)
    {
        var record = await services.GetRequiredService<NatsResultBackend>().GetAsync(id, cancellationToken).ConfigureAwait(false);
        await WriteRecordAsync(id, record).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The task catalog the workers publish (<c>TT_CATALOG</c>), at most <see cref="TaskCatalog.MaxTasks"/> tasks.</summary>
    public async Task<int> TasksAsync(CancellationToken cancellationToken)
    {
        var connection = Connection;
        var view = await TaskCatalog.ReadAllAsync(connection, TaskCatalog.MaxTasks, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            return await WriteJsonAsync(view.Entries.Select(e => JsonDocument.Parse(e.ToBytes()).RootElement)).ConfigureAwait(false);
        }

        if (view.Entries.Count == 0)
        {
            await output.WriteLineAsync(view.BucketExists
                ? $"no tasks in the task catalog {connection.Names.CatalogBucket}"
                : $"no task catalog on prefix '{connection.Options.Prefix}': no worker of this version has started (older workers publish none)").ConfigureAwait(false);
            return 0;
        }

        var rows = new List<string[]> { new[] { "TASK", "QUEUE", "ARGUMENTS", "RESULT" } };
        rows.AddRange(view.Entries.Select(e => new[] { e.Name, e.Queue, Signature(e), e.IgnoreResult ? "(ignored)" : e.Result ?? "-" }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        if (view.More)
        {
            await output.WriteLineAsync($"(only the first {TaskCatalog.MaxTasks} tasks of the catalog are listed)").ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>An entry's arguments on one line: <c>year: int, note: string? (optional)</c>; <c>?</c> when the worker does not describe them.</summary>
    internal static string Signature(TaskCatalogEntry entry)
        => entry.Arguments is not { } arguments ? "?"
            : arguments.Count == 0 ? "(none)"
            : string.Join(", ", arguments.Select(a => $"{a.Name}: {a.DotnetType ?? a.Type}{(a.Required ? string.Empty : " (optional)")}"));

    /// <summary>Sends task <paramref name="taskName"/> with <paramref name="arguments"/> (a JSON object, checked against the
    /// task catalog unless <paramref name="validate"/> is off; its queue is the default of <paramref name="queue"/>) through the
    /// client's own send path, so the message is one any application would send (docs/protocol.md §2); prints its id, and
    /// with <paramref name="wait"/> waits for its final state and prints the record (exit 1 unless SUCCESS). A refusal by the
    /// catalog sends nothing and exits 2.</summary>
    public async Task<int> SendAsync(string taskName, ReadOnlyMemory<byte> arguments, string? queue, string? id, TimeSpan? countdown, TimeSpan? wait, bool validate, CancellationToken cancellationToken)
    {
        if (validate)
        {
            var (entry, refusal) = await CheckAgainstCatalogAsync(taskName, arguments, cancellationToken).ConfigureAwait(false);
            if (refusal is not null)
            {
                await error.WriteLineAsync(refusal).ConfigureAwait(false);
                return 2;
            }

            queue ??= entry?.Queue;
        }

        queue ??= "default";

        // tt only sends: a worker runs the task by its own definition of the name.
        var task = new TaskDefinition(taskName, static _ => throw new InvalidOperationException("tt sends tasks; it never runs them.")) { Queue = queue };
        var options = new TaskOptions { TaskId = id, Countdown = countdown is { } span && span > TimeSpan.Zero ? span : null };
        var handle = await services.GetRequiredService<ITaskClient>().EnqueueAsync(task, new RawTaskArguments(arguments), options, cancellationToken).ConfigureAwait(false);
        if (wait is not { } timeout)
        {
            await output.WriteLineAsync(json
                ? JsonSerializer.Serialize(new { id = handle.Id, task = taskName, queue })
                : handle.Id).ConfigureAwait(false);
            return 0;
        }

        if (!json)
        {
            await output.WriteLineAsync(handle.Id).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        TaskResultRecord record;
        try
        {
            record = await services.GetRequiredService<NatsResultBackend>().WaitForFinalAsync(handle.Id, local: true, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"task {handle.Id} was sent, but has no final state after {Span(timeout)}: it may still run (tt status {handle.Id})", ex);
        }

        await WriteRecordAsync(handle.Id, record).ConfigureAwait(false);
        return record.State == TaskState.Success ? 0 : 1;
    }

    /// <summary>A task's record as <c>tt status</c> prints it, or the state a missing record means.</summary>
    private async Task WriteRecordAsync(string id, TaskResultRecord? record)
    {
        if (json)
        {
            // The record as stored (docs/protocol.md, section 6), or the state a missing record means.
            await output.WriteLineAsync(record is null
                ? $"{{\"id\":{JsonSerializer.Serialize(id)},\"state\":\"PENDING\"}}"
                : Encoding.UTF8.GetString(ResultRecordSerializer.ToBytes(record))).ConfigureAwait(false);
            return;
        }

        if (record is null)
        {
            await output.WriteLineAsync($"{id}: PENDING (no record: queued, due later, unknown, expired, or a task that ignores its result)").ConfigureAwait(false);
            return;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{id}: {record.State.ToWireName()}\n");
        text.Append(CultureInfo.InvariantCulture, $"  task:      {record.TaskName}\n");
        text.Append(CultureInfo.InvariantCulture, $"  attempts:  {record.Attempts}\n");
        Line(text, "worker", record.Worker);
        Line(text, "sent", record.SentAt?.ToString("O", CultureInfo.InvariantCulture));
        Line(text, "started", record.StartedAt?.ToString("O", CultureInfo.InvariantCulture));
        Line(text, "completed", record.CompletedAt?.ToString("O", CultureInfo.InvariantCulture));
        Line(text, "next try", record.NextAttemptAt?.ToString("O", CultureInfo.InvariantCulture));
        if (record.Progress is { } progress)
        {
            Line(text, "progress", $"{progress.Fraction:P0}{(progress.Note is null ? string.Empty : " — " + progress.Note)}");
        }

        if (!record.ResultJson.IsEmpty)
        {
            Line(text, "result", Encoding.UTF8.GetString(record.ResultJson.Span));
        }

        if (record.Error is { } error)
        {
            Line(text, "error", $"{error.Type}: {error.Message}");
        }

        if (record.Chain is { } chain)
        {
            // A chain's record (docs/workflows.md): its steps are tasks <chain id>-0, -1, …
            Line(text, "chain", $"{chain.Steps} steps{(chain.Tasks.Count == 0 ? string.Empty : ": " + string.Join(" -> ", chain.Tasks))}");
            if (chain.FailedStep is { } step)
            {
                Line(text, "stopped at", $"step {step} ({chain.FailedTask}), task {id}-{step}");
            }
        }

        if (record.Group is { } group)
        {
            // A group's record (docs/workflows.md): its members are tasks <group id>-0, -1, …
            Line(text, "group", $"{group.Members} members, tasks {id}-0 to {id}-{group.Members - 1}");
        }

        await output.WriteAsync(text.ToString()).ConfigureAwait(false);
    }

    public async Task<int> RevokeAsync(string id, bool terminate, CancellationToken cancellationToken)
    {
        if (!NatsNames.IsValidTaskId(id))
        {
            throw new ArgumentException($"'{id}' is not a task id: 1 to 128 letters, digits, '-' and '_'.");
        }

        var store = services.GetRequiredService<NatsResultBackend>();
        var record = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        await store.RevokeAsync(id, record?.TaskName ?? string.Empty, terminate, cancellationToken).ConfigureAwait(false);
        var final = record?.State.IsFinal() == true ? $" (it had ended already: {record.State.ToWireName()})" : string.Empty;
        await output.WriteLineAsync($"revoked {id}{(terminate ? ", terminating it if it runs" : string.Empty)}{final}").ConfigureAwait(false);
        return 0;
    }

    public async Task<int> EventsAsync(IReadOnlyCollection<TaskEventKind> kinds, CancellationToken cancellationToken)
    {
        await using var feed = await services.GetRequiredService<ITaskEvents>().SubscribeAsync(kinds, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"listening to {Connection.Names.TaskEventsPrefix}* (workers and clients need TypedTasks:SendTaskEvents=true; Ctrl+C stops)").ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var e in feed.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var line = new StringBuilder();
            line.Append(CultureInfo.InvariantCulture, $"{e.At:HH:mm:ss.fff} {TaskEventName(e.Kind),-13} {e.TaskName}[{e.Id}]");
            if (e.Attempt is { } attempt)
            {
                line.Append(CultureInfo.InvariantCulture, $" attempt {attempt}");
            }

            if (e.Worker is { } worker)
            {
                line.Append(CultureInfo.InvariantCulture, $" on {worker}");
            }

            if (e.Runtime is { } runtime)
            {
                line.Append(CultureInfo.InvariantCulture, $" in {runtime.TotalMilliseconds:F1} ms");
            }

            if (e.Error is { } error)
            {
                line.Append(CultureInfo.InvariantCulture, $": {error.Type}: {error.Message}");
            }

            await output.WriteLineAsync(line.ToString()).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>A page of dead letters, oldest first, through the query the dashboard's page uses (<see cref="DeploymentQueries.ReadDeadLettersAsync"/>,
    /// or <see cref="DeploymentActions.ReadDeadLettersAsync"/> for one queue), and where the next page starts.</summary>
    public async Task<int> DeadListAsync(string? queue, ulong from, int limit, CancellationToken cancellationToken)
    {
        var page = queue is null
            ? await DeploymentQueries.ReadDeadLettersAsync(Connection, from, limit, cancellationToken).ConfigureAwait(false)
            : await DeploymentActions.ReadDeadLettersAsync(Connection, queue, from, limit, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(
                new
                {
                    total = page.Total,
                    next = page.NextSequence,
                    letters = page.Letters.Select(dead => new { sequence = dead.Sequence, queue = dead.Queue, taskId = dead.TaskId, taskName = dead.TaskName, reason = dead.Reason, deadAt = dead.DeadAt, arguments = Encoding.UTF8.GetString(dead.Arguments.Span) }),
                },
                JsonOptions)).ConfigureAwait(false);
            return 0;
        }

        var of = queue is null ? string.Empty : $" from queue '{queue}'";
        if (page.Letters.Count == 0)
        {
            await output.WriteLineAsync(from > 1 ? $"no dead letters{of} from sequence {from} on" : $"no dead letters{of}").ConfigureAwait(false);
            return 0;
        }

        var rows = new List<string[]> { new[] { "SEQ", "QUEUE", "TASK", "ID", "DEAD AT", "REASON" } };
        rows.AddRange(page.Letters.Select(dead => new[]
        {
            dead.Sequence.ToString(CultureInfo.InvariantCulture),
            dead.Queue,
            dead.TaskName ?? "-",
            dead.TaskId ?? "-",
            dead.DeadAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",
            dead.Reason,
        }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        await output.WriteLineAsync($"{page.Letters.Count} of {page.Total} dead letter{(page.Total == 1 ? string.Empty : "s")}{of}").ConfigureAwait(false);
        await WriteNextPageAsync("tt dead list" + (queue is null ? string.Empty : " --queue " + queue), page.NextSequence, limit, TtParser.DeadListPageSize).ConfigureAwait(false);
        return 0;
    }

    public async Task<int> DeadRequeueAsync(ulong? sequence, string? queue, CancellationToken cancellationToken)
    {
        var deadLetters = services.GetRequiredService<IDeadLetters>();
        if (sequence is { } one)
        {
            if (!await deadLetters.RequeueAsync(one, cancellationToken).ConfigureAwait(false))
            {
                await output.WriteLineAsync($"no dead letter {one} (see tt dead list)").ConfigureAwait(false);
                return 1;
            }

            await output.WriteLineAsync($"requeued dead letter {one}").ConfigureAwait(false);
            return 0;
        }

        var count = await deadLetters.RequeueAllAsync(queue, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"requeued {count} dead letter{(count == 1 ? string.Empty : "s")}").ConfigureAwait(false);
        return 0;
    }

    public async Task<int> DeadPurgeAsync(string? queue, CancellationToken cancellationToken)
    {
        var count = await services.GetRequiredService<IDeadLetters>().PurgeAsync(queue, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"deleted {count} dead letter{(count == 1 ? string.Empty : "s")}").ConfigureAwait(false);
        return 0;
    }

    public async Task<int> PurgeAsync(string queue, CancellationToken cancellationToken)
    {
        // The same purge as the dashboard's (DeploymentActions): every task stored for the queue.
        var purged = await DeploymentActions.PurgeQueueAsync(Connection, queue, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"deleted {purged} task{(purged == 1 ? string.Empty : "s")} from queue '{queue}' (tasks already running finish; tasks due later are not touched)").ConfigureAwait(false);
        return 0;
    }

    /// <summary>A worker as its heartbeat is stored (docs/protocol.md, section 7a).</summary>
    private static JsonElement WorkerJson(WorkerInfo worker)
        => JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(worker, WorkerInfoJson.Default.WorkerInfo)).RootElement;

    private async Task<int> WriteJsonAsync<T>(IEnumerable<T> items)
    {
        await output.WriteLineAsync(JsonSerializer.Serialize(items.Cast<object?>().ToList(), JsonOptions)).ConfigureAwait(false);
        return 0;
    }

    /// <summary>A kind as events print it and <c>--kind</c> takes it: <c>dead_lettered</c>, <c>succeeded</c>.</summary>
    internal static string TaskEventName(TaskEventKind kind) => kind == TaskEventKind.DeadLettered ? "dead_lettered" : kind.ToString().ToLowerInvariant();

    private static void Line(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {name + ":",-10} {value}\n");
        }
    }

    private static string Ago(TimeSpan age)
        => age.TotalSeconds < 1 ? $"{Math.Max(0, age.TotalMilliseconds):F0} ms ago"
            : age.TotalMinutes < 1 ? $"{age.TotalSeconds:F0} s ago"
            : age.TotalHours < 1 ? $"{age.TotalMinutes:F0} min ago"
            : $"{age.TotalHours:F1} h ago";

    private async Task WriteTableAsync(List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            var line = string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c])));
            await output.WriteLineAsync(line.TrimEnd()).ConfigureAwait(false);
        }
    }
}
