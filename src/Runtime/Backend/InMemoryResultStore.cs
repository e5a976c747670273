using System.Collections.Concurrent;
using TypedTasks.Backend;

namespace TypedTasks.Backend;

/// <summary>The result backend of eager mode: records in a dictionary of this process, with the same first-final-wins rule.</summary>
internal sealed class InMemoryResultStore : IResultStore
{
    private readonly ConcurrentDictionary<string, TaskResultRecord> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<TaskResultRecord>> _waiters = new(StringComparer.Ordinal);

    public ValueTask<TaskResultRecord?> GetAsync(string id, CancellationToken cancellationToken)
        => new(_records.TryGetValue(id, out var record) ? record : null);

    /// <summary>Stores a record unless a final one is stored already; wakes the waiters of a final one.</summary>
    public void Write(TaskResultRecord record)
    {
        var stored = _records.AddOrUpdate(record.Id, record, (_, existing) => existing.State.IsFinal() ? existing : record);
        if (ReferenceEquals(stored, record) && record.State.IsFinal() && _waiters.TryRemove(record.Id, out var waiter))
        {
            waiter.TrySetResult(record);
        }
    }

    public async Task<TaskResultRecord> WaitForFinalAsync(string id, bool local, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = _waiters.GetOrAdd(id, static _ => new TaskCompletionSource<TaskResultRecord>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_records.TryGetValue(id, out var record) && record.State.IsFinal())
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

    public ValueTask ForgetAsync(string id, CancellationToken cancellationToken)
    {
        _records.TryRemove(id, out _);
        return default;
    }

    public ValueTask RevokeAsync(string id, string taskName, bool terminate, CancellationToken cancellationToken)
    {
        Write(new TaskResultRecord
        {
            Id = id,
            TaskName = taskName,
            State = TaskState.Revoked,
            Error = new TaskError(typeof(TaskRevokedException).FullName!, "The task was revoked.", null),
            CompletedAt = DateTimeOffset.UtcNow,
        });
        return default;
    }
}
