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
/// Sends the occurrences of the periodic schedules registered in this process (Celery beat), in every worker at once:
/// no leader, no lease. Each occurrence goes to the task stream with <c>Nats-Msg-Id = &lt;schedule&gt;:&lt;occurrence&gt;</c>,
/// so JetStream stores one of the copies the workers send, and with a task id derived from that, so a copy that arrives
/// after the duplicate window finds the first one's record and is not run (docs/periodic.md). The last occurrence sent
/// is recorded per schedule in the schedules bucket by compare-and-set; a worker that starts reads it to catch up.
/// </summary>
internal sealed partial class PeriodicScheduler : BackgroundService
{
    /// <summary>A duplicate window shorter than this may not cover the spread of the copies; the start-up log warns.</summary>
    internal static readonly TimeSpan MinDuplicateWindow = TimeSpan.FromSeconds(30);

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    private readonly TypedTasksConnection _connection;
    private readonly IReadOnlyList<PeriodicSchedule> _schedules;
    private readonly TimeProvider _time;
    private readonly ILogger<PeriodicScheduler> _logger;
    private readonly WorkerOptions _options;
    private readonly string _instance = Environment.MachineName + "/" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _waitGate = new();
    private TaskCompletionSource<DateTimeOffset> _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
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

        _schedules = [.. byName.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_schedules.Count == 0 || !_options.RunPeriodicSchedules)
        {
            _started.TrySetResult();
            return;
        }

        try
        {
            // A failure outside the bounded publish and record retries (the bucket unreachable at start-up or for a
            // catch-up read) must not stop the host: start again, which reads the bucket and catches up. Other workers
            // keep sending their copies meanwhile.
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
        var store = await OpenStoreAsync(stoppingToken).ConfigureAwait(false);
        var last = new DateTimeOffset[_schedules.Count];
        var now = _time.GetUtcNow();
        for (var i = 0; i < _schedules.Count; i++)
        {
            last[i] = await CatchUpAsync(store, _schedules[i], now, stoppingToken).ConfigureAwait(false);
        }

        _started.TrySetResult();
        while (!stoppingToken.IsCancellationRequested)
        {
            now = _time.GetUtcNow();
            DateTimeOffset? wake = null;
            for (var i = 0; i < _schedules.Count; i++)
            {
                var schedule = _schedules[i];
                // Every occurrence that is due, also after a pause of this process (a GC, a stopped VM): the catch-up
                // policy is for the time no worker ran, read from the bucket at start-up.
                foreach (var occurrence in schedule.Timing.Between(last[i], now, PeriodicSchedule.MaxCatchUp))
                {
                    await FireAsync(store, schedule, occurrence, stoppingToken).ConfigureAwait(false);
                    last[i] = occurrence;
                }

                if (schedule.Timing.Next(now) is { } next && (wake is null || next < wake))
                {
                    wake = next;
                }
            }

            if (wake is null)
            {
                Log.PeriodicNothingLeft(_logger);
                return;
            }

            var delay = wake.Value - _time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                var sleep = Task.Delay(delay, _time, stoppingToken);
                lock (_waitGate)
                {
                    _waiting.TrySetResult(wake.Value);
                }

                await sleep.ConfigureAwait(false);
                lock (_waitGate)
                {
                    _waiting = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
    }

    /// <summary>
    /// Reads (or creates) the schedule's record and sends what the catch-up policy says of the occurrences missed
    /// since the last one recorded; returns the occurrence from which to go on.
    /// </summary>
    private async Task<DateTimeOffset> CatchUpAsync(INatsKVStore store, PeriodicSchedule schedule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (record, _) = await ReadAsync(store, schedule.Name, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            // A new schedule starts now: nothing before its first registration is ever sent.
            var created = Describe(schedule) with { Since = now };
            try
            {
                await store.CreateAsync(schedule.Name, (ReadOnlyMemory<byte>)created.ToBytes(), Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (NatsKVCreateException)
            {
                // Another worker created it at the same time.
            }

            return now;
        }

        var from = record.LastOccurrence ?? record.Since;
        var missed = schedule.Timing.Between(from, now, PeriodicSchedule.MaxCatchUp);
        var toSend = schedule.CatchUp switch
        {
            PeriodicCatchUp.All => missed,
            PeriodicCatchUp.Latest when missed.Count > 0 => [missed[^1]],
            _ => [],
        };
        if (missed.Count > 0)
        {
            Log.PeriodicCatchingUp(_logger, schedule.Name, missed.Count, toSend.Count, schedule.CatchUp);
        }

        foreach (var occurrence in toSend)
        {
            await FireAsync(store, schedule, occurrence, cancellationToken).ConfigureAwait(false);
        }

        return now;
    }

    /// <summary>Sends one occurrence (every instance does; JetStream keeps one), then records it.</summary>
    private async Task FireAsync(INatsKVStore store, PeriodicSchedule schedule, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        var messageId = ScheduleRecord.MessageId(schedule.Name, occurrence);
        var taskId = ScheduleRecord.TaskId(messageId);
        var task = schedule.Call.Task;
        var headers = new NatsHeaders
        {
            [TaskHeaders.Protocol] = TaskHeaders.ProtocolVersionText,
            [TaskHeaders.Task] = task.Name,
            [TaskHeaders.Id] = taskId,
            [TaskHeaders.Periodic] = messageId,
        };
        if (task.Expires is { } expires)
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
                    _connection.Names.TaskSubject(task.Queue),
                    schedule.Call.ArgumentsJson,
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
                    TaskTelemetry.RecordSent(task.Name, task.Queue);
                    if (_connection.Options.SendTaskEvents)
                    {
                        await TaskEventPublisher.PublishAsync(_connection, new TaskEvent { Kind = TaskEventKind.Sent, Id = taskId, TaskName = task.Name, Queue = task.Queue, At = _time.GetUtcNow() }).ConfigureAwait(false);
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

        await RecordAsync(store, schedule, occurrence, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves the record's last occurrence forward by compare-and-set; never back (another worker may be ahead).</summary>
    private async Task RecordAsync(INatsKVStore store, PeriodicSchedule schedule, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var (record, revision) = await ReadAsync(store, schedule.Name, cancellationToken).ConfigureAwait(false);
                if (record?.LastOccurrence is { } recorded && recorded >= occurrence)
                {
                    return;
                }

                var updated = Describe(schedule) with
                {
                    Since = record?.Since ?? occurrence,
                    LastOccurrence = occurrence,
                    LastSentAt = _time.GetUtcNow(),
                    SentBy = _instance,
                };
                if (record is null)
                {
                    await store.CreateAsync(schedule.Name, (ReadOnlyMemory<byte>)updated.ToBytes(), Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await store.UpdateAsync(schedule.Name, (ReadOnlyMemory<byte>)updated.ToBytes(), revision, Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (Exception ex) when (ex is NatsKVWrongLastRevisionException or NatsKVCreateException)
            {
                // Another worker wrote in between: read again.
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.PeriodicRecordFailed(_logger, schedule.Name, ex);
                return;
            }
        }
    }

    private static async Task<(ScheduleRecord? Record, ulong Revision)> ReadAsync(INatsKVStore store, string key, CancellationToken cancellationToken)
    {
        var result = await store.TryGetEntryAsync(key, serializer: Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Success)
        {
            return (null, 0);
        }

        var entry = result.Value;
        return (ScheduleRecord.Read(entry.Value.Span), entry.Revision);
    }

    private static ScheduleRecord Describe(PeriodicSchedule schedule)
    {
        using var arguments = System.Text.Json.JsonDocument.Parse(schedule.Call.ArgumentsJson);
        return new ScheduleRecord
        {
            Name = schedule.Name,
            Task = schedule.Call.Task.Name,
            Queue = schedule.Call.Task.Queue,
            Cron = schedule.Cron,
            Every = schedule.Every?.ToString("c", CultureInfo.InvariantCulture),
            TimeZone = schedule.TimeZone,
            CatchUp = schedule.CatchUp.ToString(),
            Arguments = arguments.RootElement.Clone(),
        };
    }

    private async Task<INatsKVStore> OpenStoreAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await _connection.EnsureInfrastructureAsync(stoppingToken).ConfigureAwait(false);
                var store = await _connection.GetSchedulesStoreAsync(stoppingToken).ConfigureAwait(false);
                var stream = await _connection.JetStream.GetStreamAsync(_connection.Names.TasksStream, cancellationToken: stoppingToken).ConfigureAwait(false);
                if (stream.Info.Config.DuplicateWindow is { } window && window < MinDuplicateWindow)
                {
                    Log.PeriodicShortDuplicateWindow(_logger, _connection.Names.TasksStream, window, MinDuplicateWindow);
                }

                Log.PeriodicStarted(_logger, _schedules.Count, string.Join("; ", _schedules));
                return store;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.StartupRetry(_logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
