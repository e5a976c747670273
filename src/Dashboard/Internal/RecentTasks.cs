using Microsoft.Extensions.Logging;

namespace TypedTasks.Dashboard.Internal;

/// <summary>A task as the task events this process saw last describe it.</summary>
internal sealed record RecentTask(string Id, string TaskName, string? Queue, TaskState State, string? Worker, int? Attempt, DateTimeOffset At, TaskError? Error);

/// <summary>
/// The recent-tasks list: the last tasks seen in the task events (core NATS, <c>tt.events.task.*</c>) since this process
/// started, at most <c>capacity</c>, most recently changed first — what Flower keeps too. Bounded and cheap: it never reads
/// the result bucket's keys (issue 13: no full key listing per request). Events are at most once and sent only by
/// processes with <c>TypedTasks:SendTaskEvents=true</c>, so the list is a view of activity, not a history.
/// </summary>
internal sealed class RecentTasks
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly ITaskEvents _events;
    private readonly int _capacity;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<RecentTask>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<RecentTask> _order = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    public RecentTasks(ITaskEvents events, int capacity, ILogger logger)
    {
        _events = events;
        _capacity = capacity;
        _logger = logger;
    }

    /// <summary>Whether the list listens (it is on, and started with the app).</summary>
    public bool Listening { get; private set; }

    public int Capacity => _capacity;

    /// <summary>Completes when the first subscription is in place: every event published after that is seen.</summary>
    public Task Subscribed => _subscribed.Task;

    /// <summary>Starts listening until <paramref name="stopping"/>; resubscribes after a failure.</summary>
    public void Start(CancellationToken stopping)
    {
        if (_capacity == 0 || Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        _ = Task.Run(() => ListenAsync(stopping), CancellationToken.None);
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var feed = await _events.SubscribeAsync(cancellationToken: stopping).ConfigureAwait(false);
                Listening = true;
                _subscribed.TrySetResult();
                await foreach (var e in feed.ReadAllAsync(stopping).ConfigureAwait(false))
                {
                    Add(e);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Listening = false;
                _logger.LogWarning(ex, "The TypedTasks dashboard's recent-tasks list lost its task-event subscription; subscribing again in {Delay}", RetryDelay);
            }

            try
            {
                // Between two subscriptions after a failure: not a synchronisation, a back-off.
                await Task.Delay(RetryDelay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Takes one event in: the task moves to the front with the state the event means.</summary>
    internal void Add(TaskEvent e)
    {
        var state = e.Kind switch
        {
            TaskEventKind.Sent => TaskState.Pending,
            TaskEventKind.Started => TaskState.Started,
            TaskEventKind.Succeeded => TaskState.Success,
            TaskEventKind.Retried => TaskState.Retry,
            TaskEventKind.Revoked => TaskState.Revoked,
            _ => TaskState.Failure,
        };
        lock (_lock)
        {
            if (_byId.TryGetValue(e.Id, out var node))
            {
                var known = node.Value;
                // Events of one task come from different processes (sent by the client, started by a worker) and may arrive
                // out of order: a final state is not undone by an earlier kind of event of the same attempt.
                if (known.State.IsFinal() && !state.IsFinal() && (e.Attempt ?? 0) <= (known.Attempt ?? 0))
                {
                    return;
                }

                _order.Remove(node);
                _byId.Remove(e.Id);
            }

            var task = new RecentTask(e.Id, e.TaskName, e.Queue ?? node?.Value.Queue, state, e.Worker ?? node?.Value.Worker, e.Attempt ?? node?.Value.Attempt, e.At, e.Error);
            _byId[e.Id] = _order.AddFirst(task);
            while (_order.Count > _capacity && _order.Last is { } oldest)
            {
                _order.RemoveLast();
                _byId.Remove(oldest.Value.Id);
            }
        }
    }

    /// <summary>The tasks in the list (of one state, or all), most recently changed first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<RecentTask> List(TaskState? state, int max)
    {
        lock (_lock)
        {
            return _order.Where(t => state is null || t.State == state).Take(max).ToList();
        }
    }

    /// <summary>How many tasks of each state the list holds.</summary>
    public IReadOnlyDictionary<TaskState, int> CountByState()
    {
        lock (_lock)
        {
            return _order.GroupBy(t => t.State).ToDictionary(g => g.Key, g => g.Count());
        }
    }

    public RecentTask? Find(string id)
    {
        lock (_lock)
        {
            return _byId.TryGetValue(id, out var node) ? node.Value : null;
        }
    }
}
