using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using TypedTasks.Protocol;
using TypedTasks.Telemetry;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

/// <summary>
/// Sends the occurrences of the periodic schedules (Celery beat), in every worker at once: no leader, no lease. Each
/// occurrence goes to the task stream with <c>Nats-Msg-Id = &lt;schedule&gt;:&lt;occurrence&gt;</c>, so JetStream stores one
/// of the copies the workers send, and with a task id derived from that, so a copy that arrives after the duplicate
/// window finds the first one's record and is not run (docs/periodic.md).
/// </summary>
/// <remarks>
/// The schedules bucket is the schedules' source of truth: a worker writes its code's definitions there at start-up,
/// <see cref="IPeriodicSchedules"/> writes definitions and removals at run time, and every scheduler watches the bucket
/// and sends what it says — an <c>api</c> schedule always, a <c>code</c> one where this worker's code declares it — so a
/// change reaches running workers without a restart. The last occurrence sent is recorded per schedule by
/// compare-and-set; a worker that starts reads it to catch up.
/// </remarks>
internal sealed partial class PeriodicScheduler : BackgroundService
{
    /// <summary>A duplicate window shorter than this may not cover the spread of the copies; the start-up log warns.</summary>
    internal static readonly TimeSpan MinDuplicateWindow = TimeSpan.FromSeconds(30);

    /// <summary>At most this many schedules are sent by one scheduler; further keys in the bucket are logged and ignored.</summary>
    internal const int MaxSchedules = 1000;

    /// <summary>A worker without schedules of its own looks for the schedules bucket this often until it exists.</summary>
    internal static readonly TimeSpan BucketPoll = TimeSpan.FromSeconds(30);

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    private readonly TypedTasksConnection _connection;
    private readonly IReadOnlyList<PeriodicSchedule> _code;
    private readonly HashSet<string> _codeNames;
    private readonly TimeProvider _time;
    private readonly ILogger<PeriodicScheduler> _logger;
    private readonly WorkerOptions _options;
    private readonly string _instance = Environment.MachineName + "/" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _waitGate = new();
    private readonly Dictionary<string, Active> _active = new(StringComparer.Ordinal);
    private readonly List<(ulong Revision, TaskCompletionSource Done)> _revisionWaiters = [];
    private TaskCompletionSource<DateTimeOffset> _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _appliedRevision;
    private long _sent;
    private long _duplicates;

    public PeriodicScheduler(TypedTasksConnection connection, IEnumerable<PeriodicSchedule> schedules, IOptions<WorkerOptions> options, ILogger<PeriodicScheduler> logger, TimeProvider? time = null)
    {
        _connection = connection;
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        var byName = new Dictionary<string, PeriodicSchedule>(StringComparer.Ordinal);
        foreach (var schedule in schedules)
        {
            if (byName.TryGetValue(schedule.Name, out var existing) && !ReferenceEquals(existing, schedule))
            {
                throw new InvalidOperationException($"Two periodic schedules are named '{schedule.Name}' ({existing}; {schedule}). Give one of them another name ([Periodic(Name = \"…\")] or AddPeriodic(…, name: \"…\")).");
            }

            byName[schedule.Name] = schedule;
        }

        _code = [.. byName.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
        _codeNames = new HashSet<string>(byName.Keys, StringComparer.Ordinal);
    }

    /// <summary>Completes once the scheduler has read the schedules bucket and caught up (or at once when it has nothing to do).</summary>
    public Task Started => _started.Task;

    /// <summary>Completes with the wake-up time once the scheduler waits on its clock (its timer exists): a test on a fake
    /// clock advances it after this, never before the timer is set.</summary>
    internal Task<DateTimeOffset> Waiting
    {
        get
        {
            lock (_waitGate)
            {
                return _waiting.Task;
            }
        }
    }

    /// <summary>Occurrences this instance published (copies included).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Of <see cref="Sent"/>, those JetStream reported as duplicates: another instance's copy was stored first.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>The names of the schedules this scheduler sends now.</summary>
    internal IReadOnlyList<string> Sending
    {
        get
        {
            lock (_waitGate)
            {
                return [.. _active.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Completes once the scheduler has applied the bucket's entries up to <paramref name="revision"/> (a change
    /// written with that revision, or a later one, is in force here).</summary>
    internal Task AppliedAsync(ulong revision)
    {
        lock (_waitGate)
        {
            if (_appliedRevision >= revision)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _revisionWaiters.Add((revision, done));
            return done.Task;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunPeriodicSchedules)
        {
            _started.TrySetResult();
            return;
        }

        try
        {
            // A failure outside the bounded publish and record retries (the bucket unreachable, a watch that ends) must not
            // stop the host: start again, which reads the bucket and catches up. Other workers keep sending meanwhile.
            while (true)
            {
                try
                {
                    await RunAsync(stoppingToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.PeriodicRestarting(_logger, ex);
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _started.TrySetResult();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var store = _code.Count > 0 ? await OpenStoreAsync(stoppingToken).ConfigureAwait(false) : await FindStoreAsync(stoppingToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        foreach (var schedule in _code)
        {
            await RegisterAsync(store, schedule, now, stoppingToken).ConfigureAwait(false);
        }

        // The watch delivers every key's current value, then each change; once the current values are in, the start-up
        // state is known.
        var changes = new ScheduleChanges(MaxSchedules * 10);
        using var watchCts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Task.Run(() => WatchAsync(store, changes, loaded, watchCts.Token), CancellationToken.None);
        try
        {
            await Task.WhenAny(loaded.Task, watch).WaitAsync(TimeSpan.FromSeconds(30), stoppingToken).ConfigureAwait(false);
            if (!loaded.Task.IsCompleted)
            {
                await watch.ConfigureAwait(false);
                throw new InvalidOperationException("The watch of the schedules bucket ended before it delivered the current values.");
            }
            lock (_waitGate)
            {
                _active.Clear();
            }

            Apply(changes.Take(), now, startUp: true);
            foreach (var active in ActiveSnapshot())
            {
                await CatchUpAsync(store, active, now, stoppingToken).ConfigureAwait(false);
            }

            Log.PeriodicStarted(_logger, _active.Count, string.Join("; ", ActiveSnapshot().Select(a => a.Definition.Name + ": " + a.Definition.Task + " " + a.Definition.Timing)));
            _started.TrySetResult();
            await LoopAsync(store, changes, watch, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await watchCts.CancelAsync().ConfigureAwait(false);
            try
            {
                await watch.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException || watchCts.IsCancellationRequested)
            {
            }
        }
    }

    private async Task LoopAsync(INatsKVStore store, ScheduleChanges changes, Task watch, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (watch.IsCompleted)
            {
                // The watch ended (its consumer is gone for good): start again from a fresh read.
                await watch.ConfigureAwait(false);
                throw new InvalidOperationException("The watch of the schedules bucket ended.");
            }

            var now = _time.GetUtcNow();
            foreach (var added in Apply(changes.Take(), now, startUp: false))
            {
                await CatchUpAsync(store, added, now, stoppingToken).ConfigureAwait(false);
            }

            DateTimeOffset? wake = null;
            foreach (var active in ActiveSnapshot())
            {
                // Every occurrence that is due, also after a pause of this process (a GC, a stopped VM): the catch-up
                // policy is for the time no worker ran, read from the bucket at start-up.
                foreach (var occurrence in active.Definition.Timing.Between(active.Last, now, PeriodicSchedule.MaxCatchUp))
                {
                    if (!IsCurrent(active))
                    {
                        break;
                    }

                    await FireAsync(store, active.Definition, occurrence, stoppingToken).ConfigureAwait(false);
                    active.Last = occurrence;
                }

                if (active.Definition.Timing.Next(now) is { } next && (wake is null || next < wake))
                {
                    wake = next;
                }
            }

            var signal = changes.Signal;
            var delay = wake is { } at ? at - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
            if (delay == Timeout.InfiniteTimeSpan || delay > TimeSpan.Zero)
            {
                using var sleepCts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var sleep = delay == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, sleepCts.Token) : Task.Delay(delay, _time, sleepCts.Token);
                lock (_waitGate)
                {
                    if (wake is { } waitingFor)
                    {
                        _waiting.TrySetResult(waitingFor);
                    }
                }

                await Task.WhenAny(sleep, signal, watch).ConfigureAwait(false);
                await sleepCts.CancelAsync().ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
                lock (_waitGate)
                {
                    if (_waiting.Task.IsCompleted)
                    {
                        _waiting = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }
            }
        }
    }

    private List<Active> ActiveSnapshot()
    {
        lock (_waitGate)
        {
            return [.. _active.Values.OrderBy(a => a.Definition.Name, StringComparer.Ordinal)];
        }
    }

    private bool IsCurrent(Active active)
    {
        lock (_waitGate)
        {
            return _active.TryGetValue(active.Definition.Name, out var current) && ReferenceEquals(current, active);
        }
    }

    /// <summary>
    /// Applies the bucket's newest entries: a new or changed definition this worker sends replaces the old one (from its
    /// <c>definedAt</c> on), a removal or a deletion stops it, an unchanged one only moves the last occurrence forward.
    /// Returns the schedules (re)defined, which the caller catches up as their policy says.
    /// </summary>
    private List<Active> Apply(List<ScheduleChanges.Change> changes, DateTimeOffset now, bool startUp)
    {
        var defined = new List<Active>();
        ulong applied = 0;
        lock (_waitGate)
        {
            foreach (var change in changes)
            {
                applied = Math.Max(applied, change.Revision);
                _active.TryGetValue(change.Key, out var current);
                if (change.Deleted || change.Record is { Removed: true })
                {
                    if (current is not null)
                    {
                        _active.Remove(change.Key);
                        Log.PeriodicChanged(_logger, change.Key, change.Deleted ? "key deleted; no longer sent" : "removed; no longer sent", change.Revision, change.Record?.DefinedBy);
                    }

                    continue;
                }

                if (change.Record is not { } record)
                {
                    Log.PeriodicBadRecord(_logger, change.Key, change.Revision, "the value is not a schedule record");
                    continue;
                }

                if (current is not null && current.Record.SameDefinition(record))
                {
                    current.Record = record;
                    if (record.LastOccurrence is { } recorded && recorded > current.Last)
                    {
                        current.Last = recorded;
                    }

                    continue;
                }

                var definition = ScheduleDefinition.TryRead(change.Key, record, out var problem);
                if (definition is null)
                {
                    Log.PeriodicBadRecord(_logger, change.Key, change.Revision, problem!);
                    continue;
                }

                var sends = definition.Source == ScheduleRecord.FromApi || _codeNames.Contains(definition.Name);
                if (!sends)
                {
                    if (current is not null)
                    {
                        _active.Remove(change.Key);
                        Log.PeriodicChanged(_logger, change.Key, "now declared in code elsewhere only; this worker no longer sends it", change.Revision, record.DefinedBy);
                    }

                    continue;
                }

                if (current is null && _active.Count >= MaxSchedules)
                {
                    Log.PeriodicTooMany(_logger, MaxSchedules, change.Key);
                    continue;
                }

                var active = new Active(definition, record, From(record));
                _active[change.Key] = active;
                defined.Add(active);
                if (!startUp)
                {
                    Log.PeriodicChanged(_logger, change.Key, (current is null ? "added: " : "changed: ") + definition.Task + " " + definition.Timing, change.Revision, record.DefinedBy);
                }
            }

            if (applied > _appliedRevision)
            {
                _appliedRevision = applied;
            }

            _revisionWaiters.RemoveAll(w =>
            {
                if (w.Revision > _appliedRevision)
                {
                    return false;
                }

                w.Done.TrySetResult();
                return true;
            });
        }

        return defined;

        // From the last occurrence sent, and never before the definition was written: occurrences of a new timing that
        // fall before it are not its to send.
        static DateTimeOffset From(ScheduleRecord record)
        {
            var from = record.LastOccurrence ?? record.Since;
            return record.DefinedAt is { } definedAt && definedAt > from ? definedAt : from;
        }
    }

    /// <summary>Sends what the catch-up policy says of the occurrences due between the schedule's start point and now
    /// (missed while no worker ran, or since a change was written); the schedule goes on from now.</summary>
    private async Task CatchUpAsync(INatsKVStore store, Active active, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var definition = active.Definition;
        var missed = definition.Timing.Between(active.Last, now, PeriodicSchedule.MaxCatchUp);
        var toSend = definition.CatchUp switch
        {
            PeriodicCatchUp.All => missed,
            PeriodicCatchUp.Latest when missed.Count > 0 => [missed[^1]],
            _ => [],
        };
        if (missed.Count > 0)
        {
            Log.PeriodicCatchingUp(_logger, definition.Name, missed.Count, toSend.Count, definition.CatchUp);
        }

        foreach (var occurrence in toSend)
        {
            await FireAsync(store, definition, occurrence, cancellationToken).ConfigureAwait(false);
        }

        if (now > active.Last)
        {
            active.Last = now;
        }
    }

    /// <summary>Sends one occurrence (every instance does; JetStream keeps one), then records it.</summary>
    private async Task FireAsync(INatsKVStore store, ScheduleDefinition schedule, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        var messageId = ScheduleRecord.MessageId(schedule.Name, occurrence);
        var taskId = ScheduleRecord.TaskId(messageId);
        var headers = new NatsHeaders
        {
            [TaskHeaders.Protocol] = TaskHeaders.ProtocolVersionText,
            [TaskHeaders.Task] = schedule.Task,
            [TaskHeaders.Id] = taskId,
            [TaskHeaders.Periodic] = messageId,
        };
        if (schedule.Expires is { } expires)
        {
            // From the occurrence, not from now: every copy says the same, and a late catch-up expires as it should.
            headers[TaskHeaders.Expires] = (occurrence + expires).ToString("O", CultureInfo.InvariantCulture);
        }

        // Bounded retries: a publish that fails stays unsent by this instance; the others still send their copy, and the
        // next start-up's catch-up sends the latest.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var ack = await _connection.JetStream.PublishAsync(
                    _connection.Names.TaskSubject(schedule.Queue),
                    schedule.ArgumentsJson,
                    Raw,
                    new NatsJSPubOpts { MsgId = messageId },
                    headers,
                    cancellationToken).ConfigureAwait(false);
                // A duplicate is success: another worker's copy of this occurrence is stored (EnsureSuccess would throw).
                if (ack.Error is { } error)
                {
                    throw new NatsJSApiException(error);
                }

                Interlocked.Increment(ref _sent);
                if (ack.Duplicate)
                {
                    Interlocked.Increment(ref _duplicates);
                }
                else
                {
                    // Only the worker whose copy was stored counts the send and tells it, as a client would.
                    TaskTelemetry.RecordSent(schedule.Task, schedule.Queue);
                    if (_connection.Options.SendTaskEvents)
                    {
                        await TaskEventPublisher.PublishAsync(_connection, TaskEventPublisher.Sent(_connection, taskId, schedule.Task, schedule.Queue, schedule.ArgumentsJson.Span, _time.GetUtcNow())).ConfigureAwait(false);
                    }
                }

                Log.PeriodicSent(_logger, schedule.Name, messageId, taskId, ack.Duplicate);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < 3)
            {
                Log.PeriodicSendRetry(_logger, schedule.Name, messageId, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.PeriodicSendFailed(_logger, schedule.Name, messageId, ex);
                return;
            }
        }

        await RecordAsync(store, schedule.Name, occurrence, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A schedule this scheduler sends: its definition, the record it came from, and the last occurrence sent.</summary>
    private sealed class Active(ScheduleDefinition definition, ScheduleRecord record, DateTimeOffset last)
    {
        public ScheduleDefinition Definition { get; } = definition;

        public ScheduleRecord Record { get; set; } = record;

        public DateTimeOffset Last { get; set; } = last;
    }
}
