using System.Collections.Concurrent;
using TypedTasks.Protocol;

namespace TypedTasks.Backend;

/// <summary>
/// The result backend of eager mode: the same records and rules as on NATS (<see cref="ResultBackend"/>), kept in a
/// dictionary of this process, with waiters woken when a final record is stored.
/// </summary>
internal sealed class InMemoryResultBackend : ResultBackend
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (ReadOnlyMemory<byte> Value, ulong Revision)> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<TaskResultRecord>> _waiters = new(StringComparer.Ordinal);
    private ulong _revision;

    public override bool Enabled => true;

    public override async Task<TaskResultRecord> WaitForFinalAsync(string id, bool local, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = _waiters.GetOrAdd(id, static _ => new TaskCompletionSource<TaskResultRecord>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is { } record && record.State.IsFinal())
        {
            _waiters.TryRemove(id, out _);
            return record;
        }

        try
        {
            return await waiter.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Task {id} did not finish within {timeout} (eager mode: it is not running; was it sent, and with this id?).");
        }
    }

    public override ValueTask ForgetAsync(string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _records.Remove(id);
        }

        return default;
    }

    protected override ValueTask<ulong?> CreateAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return new(_records.ContainsKey(key) ? null : Store(key, bytes));
        }
    }

    protected override ValueTask<ulong?> UpdateAsync(string key, ReadOnlyMemory<byte> bytes, ulong revision, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return new(_records.TryGetValue(key, out var current) && current.Revision == revision ? Store(key, bytes) : null);
        }
    }

    protected override ValueTask<ulong?> PutAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return new(Store(key, bytes));
        }
    }

    protected override ValueTask<(ReadOnlyMemory<byte> Value, ulong Revision)?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return new(_records.TryGetValue(key, out var entry) ? entry : null);
        }
    }

    // Eager mode runs a task when it is sent: there is no later run for a revocation to stop.
    protected override ValueTask PutRevocationAsync(string id, RevocationRecord revocation, CancellationToken cancellationToken) => default;

    private ulong Store(string key, ReadOnlyMemory<byte> bytes)
    {
        // A copy: callers may write through pooled buffers.
        var revision = ++_revision;
        _records[key] = (bytes.ToArray(), revision);
        var record = ResultRecordSerializer.Read(bytes);
        if (record.State.IsFinal() && _waiters.TryRemove(key, out var waiter))
        {
            waiter.TrySetResult(record);
        }

        return revision;
    }
}
