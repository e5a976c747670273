using System.Globalization;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

/// <summary>The scheduler's side of the schedules bucket: opening it, writing the code's definitions, watching it, and
/// recording the last occurrence sent.</summary>
internal sealed partial class PeriodicScheduler
{
    /// <summary>Writes a schedule of this worker's code into the bucket when its record is missing, removed, unreadable or
    /// holds another definition (the last worker to start wins), keeping the last occurrence sent.</summary>
    private async Task RegisterAsync(INatsKVStore store, PeriodicSchedule schedule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var described = ScheduleDefinition.Describe(schedule, ScheduleRecord.FromCode);
        var written = await SchedulesBucket.DefineAsync(store, described, now, definedAtWhenNew: null, _instance, onlyIfChanged: true, cancellationToken).ConfigureAwait(false);
        if (written?.Replaced is { Source: ScheduleRecord.FromApi, Removed: false } replaced)
        {
            Log.PeriodicCodeReplacesApi(_logger, schedule.Name, replaced.DefinedBy, replaced.Cron ?? "every " + replaced.Every);
        }
    }

    /// <summary>Watches every key; offers each entry to <paramref name="changes"/>; completes <paramref name="loaded"/> once
    /// the current values are in.</summary>
    private Task WatchAsync(INatsKVStore store, ScheduleChanges changes, TaskCompletionSource loaded, CancellationToken cancellationToken)
        => KeyValueWatch.RunAsync(
            store,
            Raw,
            entry =>
            {
                var deleted = entry.Operation != NatsKVOperation.Put;
                changes.Offer(entry.Key, entry.Revision, deleted ? null : ScheduleRecord.Read(entry.Value.Span), deleted);
            },
            loaded,
            ex => Log.StartupRetry(_logger, ex),
            TimeSpan.FromSeconds(2),
            cancellationToken);

    /// <summary>Moves the record's last occurrence forward by compare-and-set; never back (another worker may be ahead), and
    /// never over a removal or a deletion. The definition in the record is left as it is.</summary>
    private async Task RecordAsync(INatsKVStore store, string name, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var (record, revision, _) = await SchedulesBucket.ReadAsync(store, name, cancellationToken).ConfigureAwait(false);
                if (record is null || record.Removed || (record.LastOccurrence is { } recorded && recorded >= occurrence))
                {
                    return;
                }

                var updated = record with { LastOccurrence = occurrence, LastSentAt = _time.GetUtcNow(), SentBy = _instance };
                await store.UpdateAsync(name, (ReadOnlyMemory<byte>)updated.ToBytes(), revision, Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NatsKVWrongLastRevisionException)
            {
                // Another worker wrote in between: read again.
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.PeriodicRecordFailed(_logger, name, ex);
                return;
            }
        }
    }

    private async Task<INatsKVStore> OpenStoreAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await _connection.EnsureInfrastructureAsync(stoppingToken).ConfigureAwait(false);
                var store = await _connection.GetSchedulesStoreAsync(stoppingToken).ConfigureAwait(false);
                await CheckDuplicateWindowAsync(stoppingToken).ConfigureAwait(false);
                return store;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.StartupRetry(_logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A worker without schedules of its own does not create the bucket (its role may have no right to): it looks
    /// for it every <see cref="BucketPoll"/>, and sends the schedules set at run time once it exists.</summary>
    private async Task<INatsKVStore> FindStoreAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            TimeSpan wait;
            try
            {
                var store = await _connection.KeyValue.GetStoreAsync(_connection.Names.SchedulesBucket, stoppingToken).ConfigureAwait(false);
                await CheckDuplicateWindowAsync(stoppingToken).ConfigureAwait(false);
                return store;
            }
            catch (Exception ex) when (ex is NatsKVException or NatsJSApiException { Error.Code: 404 })
            {
                // No bucket yet: nothing to send until a schedule is set at run time (which creates it).
                Log.PeriodicNoBucket(_logger, _connection.Names.SchedulesBucket, BucketPoll, ex.Message);
                _started.TrySetResult();
                wait = BucketPoll;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A timeout or a refused request: try again soon, as the other start-up steps do.
                Log.StartupRetry(_logger, ex);
                wait = TimeSpan.FromSeconds(2);
            }

            // Real time: an operational pause, not a schedule's clock (a test's fake clock must not hold it).
            await Task.Delay(wait, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task CheckDuplicateWindowAsync(CancellationToken stoppingToken)
    {
        var stream = await _connection.JetStream.GetStreamAsync(_connection.Names.TasksStream, cancellationToken: stoppingToken).ConfigureAwait(false);
        if (stream.Info.Config.DuplicateWindow is { } window && window < MinDuplicateWindow)
        {
            Log.PeriodicShortDuplicateWindow(_logger, _connection.Names.TasksStream, window, MinDuplicateWindow);
        }
    }
}
