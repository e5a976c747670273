using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

/// <summary>
/// The revoked task ids a worker knows, kept current by one watch on the revocation bucket, and the running
/// tasks it can terminate. A revocation is a key in the bucket; the bucket's MaxAge makes it expire there, and
/// since the server reports no event for that, a worker drops what it holds at the same age (from the key's creation
/// time), so a long-running worker honours <see cref="TypedTasksOptions.RevocationExpiry"/> as a new one does.
/// </summary>
internal sealed partial class RevocationRegistry : IAsyncDisposable
{
    private readonly TypedTasksConnection _connection;
    private readonly ILogger<RevocationRegistry> _logger;
    // Revoked id → when the revocation expires.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RunningTask> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _watch;
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    public RevocationRegistry(TypedTasksConnection connection, ILogger<RevocationRegistry> logger)
    {
        _connection = connection;
        _logger = logger;
    }

    /// <summary>Starts watching; completes once the revocations that exist now are loaded.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var store = await _connection.KeyValue.GetStoreAsync(_connection.Names.RevokedBucket, cancellationToken).ConfigureAwait(false);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _watch = Task.Run(() => WatchAsync(store, loaded, _stop.Token), CancellationToken.None);
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    public bool IsRevoked(string id)
    {
        if (id.Length == 0 || !_revoked.TryGetValue(id, out var expiresAt))
        {
            return false;
        }

        if (expiresAt > DateTimeOffset.UtcNow)
        {
            return true;
        }

        _revoked.TryRemove(new KeyValuePair<string, DateTimeOffset>(id, expiresAt));
        return false;
    }

    /// <summary>Registers a running task so that a revocation with terminate cancels it.</summary>
    public ITerminationSignal Track(string id, CancellationTokenSource execution)
    {
        var running = new RunningTask(this, id, execution);
        if (id.Length > 0)
        {
            _running[id] = running;
        }

        return running;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_watch is not null)
        {
            try
            {
                await _watch.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private Task WatchAsync(INatsKVStore store, TaskCompletionSource loaded, CancellationToken cancellationToken)
        => KeyValueWatch.RunAsync(store, NatsRawSerializer<byte[]>.Default, Apply, loaded, ex => Log.WatchFailed(_logger, ex), TimeSpan.FromSeconds(1), cancellationToken);

    private void Apply(NatsKVEntry<byte[]> entry)
    {
        if (entry.Operation == NatsKVOperation.Put)
        {
            var terminate = entry.Value is { Length: > 0 } value && RevocationRecord.Read(value).Terminate;
            _revoked[entry.Key] = entry.Created + _connection.Options.RevocationExpiry;
            PruneExpired();
            if (terminate && _running.TryGetValue(entry.Key, out var running))
            {
                running.Terminate();
            }
        }
        else
        {
            _revoked.TryRemove(entry.Key, out _);
        }
    }

    /// <summary>Drops revocations past their expiry (at most once a minute): ids never looked up again must not pile up.</summary>
    private void PruneExpired()
    {
        var now = DateTimeOffset.UtcNow;
        if (now < _nextPrune)
        {
            return;
        }

        _nextPrune = now + TimeSpan.FromMinutes(1);
        foreach (var (id, expiresAt) in _revoked)
        {
            if (expiresAt <= now)
            {
                _revoked.TryRemove(new KeyValuePair<string, DateTimeOffset>(id, expiresAt));
            }
        }
    }

    /// <summary>A running task that a revocation may terminate.</summary>
    internal sealed class RunningTask(RevocationRegistry owner, string id, CancellationTokenSource execution) : ITerminationSignal
    {
        private int _terminated;

        public bool Terminated => Volatile.Read(ref _terminated) == 1;

        public void Terminate()
        {
            if (Interlocked.Exchange(ref _terminated, 1) == 0)
            {
                try
                {
                    execution.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        public void Dispose() => owner._running.TryRemove(new KeyValuePair<string, RunningTask>(id, this));
    }

    private static partial class Log
    {
        [LoggerMessage(250, LogLevel.Warning, "Watching revocations failed; retrying")]
        public static partial void WatchFailed(ILogger logger, Exception exception);
    }
}
