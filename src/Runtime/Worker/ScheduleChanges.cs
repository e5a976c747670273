using TypedTasks.Protocol;

namespace TypedTasks.Worker;

/// <summary>
/// The schedules bucket's entries as the watch and the start-up read deliver them, newest revision per key, waiting for the
/// scheduler's loop to take them. Memory is bounded by the number of keys (at most <c>maxKeys</c>; the loop takes all at once), and an older
/// revision never replaces a newer one, so the read and the watch can overlap.
/// </summary>
internal sealed class ScheduleChanges
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Change> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _revisions = new(StringComparer.Ordinal);
    private readonly int _maxKeys;
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ScheduleChanges(int maxKeys) => _maxKeys = maxKeys;

    /// <summary>Keys refused because <c>maxKeys</c> were known already.</summary>
    public long Refused { get; private set; }

    /// <summary>Completes when something is waiting to be taken.</summary>
    public Task Signal
    {
        get
        {
            lock (_gate)
            {
                return _signal.Task;
            }
        }
    }

    /// <summary>Offers an entry: a record (null when the value is not one) or a deletion.</summary>
    public void Offer(string key, ulong revision, ScheduleRecord? record, bool deleted)
    {
        lock (_gate)
        {
            if (_revisions.TryGetValue(key, out var known))
            {
                if (known >= revision)
                {
                    return;
                }
            }
            else if (_revisions.Count >= _maxKeys)
            {
                Refused++;
                return;
            }

            _revisions[key] = revision;
            _pending[key] = new Change(key, revision, record, deleted);
            _signal.TrySetResult();
        }
    }

    /// <summary>Takes everything offered since the last call, in key order.</summary>
    public List<Change> Take()
    {
        lock (_gate)
        {
            var taken = _pending.Values.OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
            _pending.Clear();
            if (_signal.Task.IsCompleted)
            {
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return taken;
        }
    }

    /// <summary>One key's newest entry.</summary>
    /// <param name="Key">The schedule name.</param>
    /// <param name="Revision">The entry's revision in the bucket.</param>
    /// <param name="Record">The record, or null when the value is not one (or the key was deleted).</param>
    /// <param name="Deleted">The key was deleted or purged.</param>
    public sealed record Change(string Key, ulong Revision, ScheduleRecord? Record, bool Deleted);
}
