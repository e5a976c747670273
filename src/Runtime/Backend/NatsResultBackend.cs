using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Backend;

/// <summary>
/// The result backend on a NATS KV bucket, as producers use it. Waiting does not poll and does not open a
/// watch per call: workers publish each final record of a task sent by this process to this process's own
/// subject (<c>tt.results.&lt;instance&gt;</c>), and one subscription per process completes the waiters.
/// Handles of tasks sent by other processes fall back to a single-key KV watch.
/// <para>
/// A task sent by this process with a reply subject is expected before it is published: a notification that arrives
/// before anyone waits is kept with it, so a local wait needs no KV read. The expectations are bounded
/// (<see cref="ExpectedCapacity"/>, oldest dropped first); a wait whose expectation was dropped reads the store first,
/// as a handle from another process does. A core NATS notification can be lost (a reconnect): a wait that hears
/// nothing reads the store after <see cref="SafetyReadAfter"/>, then at doubling intervals up to 30 s.
/// </para>
/// </summary>
internal sealed partial class NatsResultBackend : ResultBackend, IAsyncDisposable, IDisposable
{
    private readonly TypedTasksConnection _connection;
    private readonly ILogger _logger;
    /// <summary>How many sent tasks are remembered for a later local wait.</summary>
    internal const int ExpectedCapacity = 4096;

    private static readonly TimeSpan MaxSafetyRead = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Waiter> _waiters = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _expectedOrder = new();
    private int _expectedCount;
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private Task? _listener;

    public NatsResultBackend(TypedTasksConnection connection, ILogger<NatsResultBackend>? logger = null)
    {
        _connection = connection;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    public override bool Enabled => _connection.Options.ResultBackend.Enabled;

    public override bool RecordsWorkflows => Enabled && _connection.Options.ResultBackend.RecordWorkflows;

    // The server's max payload, less room for the KV message's own headers.
    protected override int MaxRecordBytes => (_connection.Nats.ServerInfo?.MaxPayload ?? 1024 * 1024) - 4096;

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    protected override async ValueTask<ulong?> CreateAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var store = await GetStoreAsync(cancellationToken).ConfigureAwait(false);
        var created = await store.TryCreateAsync(key, bytes, Raw, cancellationToken).ConfigureAwait(false);
        return created.Success ? created.Value
            : created.Error is NatsKVCreateException ? null
            : throw new ResultStoreException($"Could not create the record of task {key}: {created.Error.Message}", created.Error);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    protected override async ValueTask<ulong?> UpdateAsync(string key, ReadOnlyMemory<byte> bytes, ulong revision, CancellationToken cancellationToken)
    {
        var store = await GetStoreAsync(cancellationToken).ConfigureAwait(false);
        var updated = await store.TryUpdateAsync(key, bytes, revision, Raw, cancellationToken).ConfigureAwait(false);
        return updated.Success ? updated.Value : null;
    }

    protected override async ValueTask<ulong?> PutAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var store = await GetStoreAsync(cancellationToken).ConfigureAwait(false);
        var put = await store.TryPutAsync(key, bytes, Raw, cancellationToken).ConfigureAwait(false);
        return put.Success ? put.Value : throw new ResultStoreException($"Could not store the record of task {key}: {put.Error.Message}", put.Error);
    }

    protected override async ValueTask<(ReadOnlyMemory<byte> Value, ulong Revision)?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var store = await GetStoreAsync(cancellationToken).ConfigureAwait(false);
        var entry = await store.TryGetEntryAsync(key, serializer: Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!entry.Success)
        {
            return entry.Error is NatsKVKeyNotFoundException or NatsKVKeyDeletedException ? null : throw entry.Error;
        }

        return entry.Value.Value.IsEmpty ? null : (entry.Value.Value, entry.Value.Revision);
    }

    protected override async ValueTask PutRevocationAsync(string id, RevocationRecord revocation, CancellationToken cancellationToken)
    {
        await _connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var revoked = await _connection.KeyValue.GetStoreAsync(_connection.Names.RevokedBucket, cancellationToken).ConfigureAwait(false);
        await revoked.PutAsync(id, revocation.ToBytes(), NatsRawSerializer<byte[]>.Default, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How long a local wait trusts the notification before it reads the store (a lost notification).</summary>
    internal TimeSpan SafetyReadAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Called before a task with this process's reply subject is published: subscribes if needed and registers a
    /// waiter, so that a notification arriving before anyone waits is kept and a later local wait needs no read.
    /// </summary>
    internal async ValueTask ExpectAsync(string id, string? reply, CancellationToken cancellationToken)
    {
        await EnsureListeningAsync(cancellationToken).ConfigureAwait(false);
        if (_waiters.TryAdd(id, new Waiter(expected: true, reply)))
        {
            _expectedOrder.Enqueue(id);
            if (Interlocked.Increment(ref _expectedCount) > ExpectedCapacity)
            {
                TrimExpected();
            }
        }
    }

    /// <summary>The publish of an expected task failed: forget it.</summary>
    internal void Unexpect(string id)
    {
        if (_waiters.TryGetValue(id, out var waiter) && waiter.TryEvict())
        {
            _waiters.TryRemove(new KeyValuePair<string, Waiter>(id, waiter));
        }
    }

    public override async Task<TaskResultRecord> WaitForFinalAsync(string id, bool local, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (local && _waiters.TryGetValue(id, out var expected) && expected.TryClaim())
        {
            // Expected before it was sent, with the subscription up: the notification is kept or still to come.
            try
            {
                return await WaitForNotificationAsync(id, expected, timeout, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _waiters.TryRemove(new KeyValuePair<string, Waiter>(id, expected));
            }
        }

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        try
        {
            return local
                ? await WaitForNotificationAsync(id, timeoutCts.Token).ConfigureAwait(false)
                : await WatchAsync(id, timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(id, timeout);
        }
    }

    public override async ValueTask ForgetAsync(string id, CancellationToken cancellationToken)
    {
        var store = await GetStoreAsync(cancellationToken).ConfigureAwait(false);
        await store.PurgeAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        if (_listener is not null)
        {
            try
            {
                await _listener.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _disposed.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Waits for the notification of an expected task; reads the store only if none comes for a while.</summary>
    private async Task<TaskResultRecord> WaitForNotificationAsync(string id, Waiter waiter, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var quiet = SafetyReadAfter;
        while (true)
        {
            var wait = quiet;
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                var left = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    throw TimedOut(id, timeout);
                }

                wait = quiet < left ? quiet : left;
            }

            Notification? notification;
            try
            {
                notification = await waiter.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                notification = null;
            }

            if (notification is { } notified)
            {
                if (notified.Verified || _connection.Options.ResultBackend.TrustNotifications)
                {
                    // Sent with this wait's token by a worker that held the task's message (or trusted by configuration).
                    return notified.Record;
                }

                // A notification is a wake-up, not the result: what a wait returns comes from the store.
                if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is { } stored && stored.State.IsFinal())
                {
                    return stored;
                }

                // Forged (anyone allowed to publish on this subject could), or ahead of the store: watch the key instead.
                Log.UnconfirmedNotification(_logger, id);
                var left = timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                using var watchCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (left != Timeout.InfiniteTimeSpan)
                {
                    watchCts.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                }

                try
                {
                    return await WatchAsync(id, watchCts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw TimedOut(id, timeout);
                }
            }

            // No notification for a while: it may have been lost (a reconnect). Read the store once, then wait again, longer.
            var current = await GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (current is { } record && record.State.IsFinal())
            {
                return record;
            }

            quiet = quiet * 2 < MaxSafetyRead ? quiet * 2 : MaxSafetyRead;
        }
    }

    private void TrimExpected()
    {
        while (Volatile.Read(ref _expectedCount) > ExpectedCapacity && _expectedOrder.TryDequeue(out var oldest))
        {
            Interlocked.Decrement(ref _expectedCount);
            if (_waiters.TryGetValue(oldest, out var waiter) && waiter.TryEvict())
            {
                _waiters.TryRemove(new KeyValuePair<string, Waiter>(oldest, waiter));
            }
        }
    }

    private static TimeoutException TimedOut(string id, TimeSpan timeout)
        => new($"Task {id} did not finish within {timeout}. It may still be queued or running; ask again later or wait longer.");

    private async Task<TaskResultRecord> WaitForNotificationAsync(string id, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(expected: false, reply: null);
        var registered = _waiters.GetOrAdd(id, waiter);
        try
        {
            // Subscribe first, then read: a record stored before the read is seen by the read,
            // one stored after it is published to the live subscription (workers store, then notify).
            await EnsureListeningAsync(cancellationToken).ConfigureAwait(false);
            var current = await GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (current is { } record && record.State.IsFinal())
            {
                return record;
            }

            return await WaitForNotificationAsync(id, registered, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (ReferenceEquals(registered, waiter))
            {
                _waiters.TryRemove(new KeyValuePair<string, Waiter>(id, waiter));
            }
        }
    }

    private async Task<TaskResultRecord> WatchAsync(string id, CancellationToken cancellationToken)
    {
        var store = await GetStoreAsync(cancellationToken).ConfigureAwait(false);
        var current = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (current is { } existing && existing.State.IsFinal())
        {
            return existing;
        }

        await foreach (var entry in store.WatchAsync<ReadOnlyMemory<byte>>(id, NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entry.Operation == NatsKVOperation.Put && !entry.Value.IsEmpty)
            {
                var record = ResultRecordSerializer.Read(entry.Value);
                if (record.State.IsFinal())
                {
                    return record;
                }
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    private async ValueTask EnsureListeningAsync(CancellationToken cancellationToken)
    {
        if (_listener is not null)
        {
            return;
        }

        await _subscribeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_listener is null)
            {
                // One subject per sent task: the results subject and the task's token.
                var subscription = await _connection.Nats.SubscribeCoreAsync(
                    _connection.ResultsSubject + ".*",
                    serializer: NatsRawSerializer<byte[]>.Default,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                _listener = ListenAsync(subscription, _disposed.Token);
            }
        }
        finally
        {
            _subscribeGate.Release();
        }
    }

    private async Task ListenAsync(INatsSub<byte[]> subscription, CancellationToken cancellationToken)
    {
        await using var _ = subscription.ConfigureAwait(false);
        await foreach (var message in subscription.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (message.Data is not { Length: > 0 } data)
            {
                continue;
            }

            try
            {
                // Anything may arrive here: a bad notification is dropped and never stops the listener.
                var record = ResultRecordSerializer.Read(data);
                if (record.Id is { } id && record.State.IsFinal() && _waiters.TryGetValue(id, out var waiter))
                {
                    waiter.TrySetResult(new Notification(record, ResultReply.Matches(waiter.Reply, message.Subject)));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.MalformedNotification(_logger, ex);
            }
        }
    }

    /// <summary>A final record as a notification brought it, and whether it came on the subject the wait sent its task with.</summary>
    private readonly record struct Notification(TaskResultRecord Record, bool Verified);

    /// <summary>A waiter for one task's final record; an expected one was registered before the task was sent, with the
    /// reply subject its message carries.</summary>
    private sealed class Waiter : TaskCompletionSource<Notification>
    {
        private int _claimed;

        public Waiter(bool expected, string? reply)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            Expected = expected;
            Reply = reply;
        }

        public bool Expected { get; }

        /// <summary>The reply subject the task was sent with (ending in its random token); null when it was sent with none.</summary>
        public string? Reply { get; }

        /// <summary>A wait takes an expected waiter (once); an evicted one cannot be taken.</summary>
        public bool TryClaim() => Expected && Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

        /// <summary>The bound (or a failed publish) drops an expected waiter that no wait has taken.</summary>
        public bool TryEvict() => Expected && Interlocked.CompareExchange(ref _claimed, 2, 0) == 0;
    }

    private ValueTask<INatsKVStore> GetStoreAsync(CancellationToken cancellationToken)
    {
        // Opened once per process: after that, no state machine per record read or write.
        var open = _connection.GetResultStoreAsync(cancellationToken);
        return open.IsCompletedSuccessfully
            ? new ValueTask<INatsKVStore>(open.Result ?? throw new ResultBackendNotConfiguredException())
            : AwaitStoreAsync(open);

        static async ValueTask<INatsKVStore> AwaitStoreAsync(Task<INatsKVStore?> open)
            => await open.ConfigureAwait(false) ?? throw new ResultBackendNotConfiguredException();
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Warning, "Ignored a malformed result notification")]
        public static partial void MalformedNotification(ILogger logger, Exception exception);

        [LoggerMessage(101, LogLevel.Warning, "A result notification for task {TaskId} is not in the result store (forged, or ahead of the store); watching the key instead")]
        public static partial void UnconfirmedNotification(ILogger logger, string taskId);
    }
}
