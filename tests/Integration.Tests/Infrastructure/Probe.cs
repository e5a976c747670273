using System.Collections.Concurrent;

namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>What test tasks report back: executions, concurrency, and gates they wait on. One per test.</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, int> _executions = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();
    private int _running;
    private int _maxRunning;
    private readonly object _gate = new();
    private readonly List<(int Running, TaskCompletionSource Signal)> _runningWaiters = new();

    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Attempt, DateTimeOffset At)>> _attempts = new();

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    /// <summary>Records that an attempt of the task keyed <paramref name="key"/> started now.</summary>
    public void Attempted(string key, int attempt) => _attempts.GetOrAdd(key, _ => new()).Enqueue((attempt, DateTimeOffset.UtcNow));

    public IReadOnlyList<(int Attempt, DateTimeOffset At)> Attempts(string key) => _attempts.TryGetValue(key, out var q) ? q.ToArray() : [];

    public int Executions(string key) => _executions.TryGetValue(key, out var n) ? n : 0;

    public void Executed(string key) => _executions.AddOrUpdate(key, 1, (_, n) => n + 1);

    /// <summary>Every key something executed under, so far.</summary>
    public IReadOnlyCollection<string> ExecutedKeys => [.. _executions.Keys];

    public TaskCompletionSource Gate(string key) => _gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public TaskCompletionSource StartedSignal(string key) => _started.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public IDisposable Enter()
    {
        var now = Interlocked.Increment(ref _running);
        lock (_gate)
        {
            _maxRunning = Math.Max(_maxRunning, now);
            foreach (var waiter in _runningWaiters.Where(w => now >= w.Running).ToList())
            {
                waiter.Signal.TrySetResult();
                _runningWaiters.Remove(waiter);
            }
        }

        return new Exit(this);
    }

    /// <summary>Completes when at least <paramref name="count"/> tasks run at the same time.</summary>
    public Task RunningAtOnce(int count)
    {
        lock (_gate)
        {
            if (_maxRunning >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _runningWaiters.Add((count, signal));
            return signal.Task;
        }
    }

    private sealed class Exit(Probe probe) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref probe._running);
    }
}
