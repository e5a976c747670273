using System.Text.Json;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

/// <summary>The worker's heartbeat: its state in the workers bucket, for <see cref="IWorkerInspector"/>.</summary>
internal sealed partial class TaskWorker
{
    private static readonly string? RuntimeVersion = typeof(TaskWorker).Assembly.GetName().Version?.ToString();

    private readonly string _workerId = WorkerId();
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;

    // What each slot runs, for the heartbeat: written by the slot's runner (a reference and a long: no allocation per task).
    private HeldMessage?[] _activeMessages = [];
    private long[] _activeSince = [];
    private long _processed;
    private long _failed;
    private readonly ThroughputHistory _lastHour = new(TimeProvider.System);

    /// <summary>This worker's key in the workers bucket.</summary>
    public string Id => _workerId;

    private void StartActive(int slot, HeldMessage held)
    {
        Volatile.Write(ref _activeSince[slot], DateTimeOffset.UtcNow.UtcTicks);
        Volatile.Write(ref _activeMessages[slot], held);
    }

    private void ClearActive(int slot) => Volatile.Write(ref _activeMessages[slot], null);

    private void EndActive(int slot, OutcomeKind kind)
    {
        ClearActive(slot);
        Interlocked.Increment(ref _processed);
        if (kind == OutcomeKind.Failure)
        {
            Interlocked.Increment(ref _failed);
        }

        _lastHour.Record(kind == OutcomeKind.Failure);
    }

    /// <summary>Writes a heartbeat every interval until stopped, then removes it; <paramref name="firstBeat"/> completes
    /// once the first one has been tried (at once when heartbeats are off).</summary>
    private async Task HeartbeatLoopAsync(TaskCompletionSource firstBeat, CancellationToken stoppingToken)
    {
        var interval = _options.HeartbeatInterval;
        if (interval <= TimeSpan.Zero)
        {
            firstBeat.TrySetResult();
            return;
        }

        INatsKVStore? store = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                store ??= await _connection.KeyValue.GetStoreAsync(_connection.Names.WorkersBucket, stoppingToken).ConfigureAwait(false);
                ReadOnlyMemory<byte> beat = JsonSerializer.SerializeToUtf8Bytes(Snapshot(interval), WorkerInfoJson.Default.WorkerInfo);
                await store.PutAsync(_workerId, beat, NatsRawSerializer<ReadOnlyMemory<byte>>.Default, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                Log.HeartbeatFailed(_logger, ex);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            finally
            {
                firstBeat.TrySetResult();
            }

            try
            {
                await Task.Delay(interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        firstBeat.TrySetResult();

        // A clean stop leaves no heartbeat behind: only crashed workers show up as lost.
        if (store is not null)
        {
            try
            {
                await store.PurgeAsync(_workerId, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException)
            {
                Log.HeartbeatFailed(_logger, ex);
            }
        }
    }

    /// <summary>The worker's state now; <paramref name="includeActive"/> false leaves the running tasks out (only <see cref="WorkerInfo.Busy"/>).</summary>
    private WorkerInfo Snapshot(TimeSpan interval, bool includeActive = true)
    {
        var active = new List<ActiveTaskInfo>();
        for (var slot = 0; slot < _activeMessages.Length; slot++)
        {
            if (Volatile.Read(ref _activeMessages[slot]) is not { } held)
            {
                continue;
            }

            var since = new DateTimeOffset(Volatile.Read(ref _activeSince[slot]), TimeSpan.Zero);
            var attempt = int.TryParse(held.Header(TaskHeaders.Attempt), out var a) && a > 0 ? a : 1;
            active.Add(new ActiveTaskInfo(held.TaskId ?? string.Empty, held.Header(TaskHeaders.Task) ?? string.Empty, attempt, since));
        }

        return new WorkerInfo
        {
            Id = _workerId,
            Host = Environment.MachineName,
            ProcessId = Environment.ProcessId,
            Version = RuntimeVersion,
            Queues = _queues,
            Concurrency = _options.Concurrency,
            Processed = Interlocked.Read(ref _processed),
            Failed = Interlocked.Read(ref _failed),
            StartedAt = _startedAt,
            HeartbeatAt = DateTimeOffset.UtcNow,
            HeartbeatInterval = interval,
            Busy = active.Count,
            Active = includeActive ? active : [],
            LastHour = _lastHour.Snapshot(),
            AllowsShutdown = _options.RemoteControl.Enabled && _options.RemoteControl.AllowShutdown,
        };
    }

    /// <summary><c>host-pid-random</c>, with what a KV key cannot hold replaced by '_'.</summary>
    private static string WorkerId()
    {
        var host = new string(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return $"{host}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
    }
}
