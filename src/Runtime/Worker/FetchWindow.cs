namespace TypedTasks.Worker;

/// <summary>
/// How many messages the worker may hold (fetched, not yet run to an outcome), with a limit that can change while
/// the worker runs: the worker widens it for short tasks and narrows it for long ones (auto prefetch).
/// </summary>
internal sealed class FetchWindow
{
    private readonly object _gate = new();
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;
    private int _limit;
    private int _wanted;

    public FetchWindow(int limit)
    {
        _limit = Math.Max(1, limit);
    }

    public int Limit
    {
        get => Volatile.Read(ref _limit);
        set
        {
            lock (_gate)
            {
                var widened = value > _limit;
                _limit = Math.Max(1, value);
                if (widened)
                {
                    Signal();
                }
            }
        }
    }

    /// <summary>Waits until the window has room, then takes up to <paramref name="max"/> places.</summary>
    public ValueTask<int> AcquireAsync(int max, CancellationToken cancellationToken) => AcquireAsync(1, max, cancellationToken);

    /// <summary>Waits until the window has <paramref name="min"/> free places (at most its limit), then takes up to
    /// <paramref name="max"/>.</summary>
    public async ValueTask<int> AcquireAsync(int min, int max, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task released;
            lock (_gate)
            {
                var free = _limit - _held;
                var wanted = Math.Min(Math.Max(1, min), _limit);
                if (free > 0 && free >= wanted)
                {
                    var taken = Math.Min(free, Math.Max(1, max));
                    _held += taken;
                    return taken;
                }

                // Several waiters (one per queue): wake them when the most modest can go on.
                _wanted = _wanted == 0 ? wanted : Math.Min(_wanted, wanted);
                released = _released.Task;
            }

            await released.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Release(int count = 1)
    {
        if (count <= 0)
        {
            return;
        }

        lock (_gate)
        {
            _held -= count;
            Signal();
        }
    }

    private void Signal()
    {
        // Wake the waiter only when it can go on: most releases find nobody waiting (the fetch loop is inside a
        // pull) or too little free, and cost no completion source and no thread hop then.
        if (_wanted == 0 || _limit - _held < Math.Min(_wanted, _limit))
        {
            return;
        }

        _wanted = 0;
        var released = _released;
        _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.TrySetResult();
    }
}
