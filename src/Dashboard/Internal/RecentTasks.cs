using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TypedTasks.Client;
using TypedTasks.Topology;

namespace TypedTasks.Dashboard.Internal;

/// <summary>A task as the task events seen last describe it, with the events of it that are kept (oldest first).</summary>
internal sealed record RecentTask(string Id, string TaskName, string? Queue, TaskState State, string? Worker, int? Attempt, DateTimeOffset At, TaskError? Error)
{
    /// <summary>The task's events as they arrived, at most <see cref="RecentTasks.MaxEventsPerTask"/>.</summary>
    public IReadOnlyList<TaskEvent> Events { get; init; } = [];

    /// <summary>Whether older events of the task were dropped to keep <see cref="Events"/> bounded.</summary>
    public bool EarlierEventsDropped { get; init; }
}

/// <summary>
/// The recent-tasks list: the last tasks seen in the task events, at most <c>capacity</c>, most recently changed first, each
/// with its last events (its state history). At start it is filled from the history stream (<c>TT_HISTORY</c>: the last
/// events the server kept, read once with a bounded ordered consumer), then kept up to date from the live events (core
/// NATS, <c>tt.events.task.*</c>), so that it survives a restart of the app. Bounded and cheap: it never reads the result
/// bucket's keys (issue 13: no full key listing per request). Events are at most once and sent only by processes with
/// <c>TypedTasks:SendTaskEvents=true</c>, so the list is a view of activity, not the truth of a task's state (its record is).
/// </summary>
internal sealed class RecentTasks
{
    /// <summary>Events kept per task (a task that retried many times keeps its last ones).</summary>
    internal const int MaxEventsPerTask = 32;

    /// <summary>The most events read from the history at start, whatever the capacity.</summary>
    internal const int MaxSeedEvents = 100_000;

    /// <summary>Live events held while the history is read at start; past it the feed waits (and core NATS may drop).</summary>
    private const int LiveBuffer = 100_000;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly ITaskEvents _events;
    private readonly TypedTasksConnection? _history;
    private readonly int _capacity;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<RecentTask>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<RecentTask> _order = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _seeded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    /// <param name="events">The live events.</param>
    /// <param name="capacity">How many tasks to keep; 0: off.</param>
    /// <param name="logger">Where failures to listen go.</param>
    /// <param name="history">The connection to read the history stream from at start; null: live events only.</param>
    public RecentTasks(ITaskEvents events, int capacity, ILogger logger, TypedTasksConnection? history = null)
    {
        _events = events;
        _capacity = capacity;
        _logger = logger;
        _history = history;
    }

    /// <summary>Whether the list listens (it is on, and started with the app).</summary>
    public bool Listening { get; private set; }

    public int Capacity => _capacity;

    /// <summary>How many events are read from the history at start: five per task kept (sent, started, a retry, the end).</summary>
    public int SeedEvents => (int)Math.Min(MaxSeedEvents, Math.Max(1000L, 5L * _capacity));

    /// <summary>What the start-up read of the history found, for the pages; null until it is done.</summary>
    public HistorySeed? Seed { get; private set; }

    /// <summary>Completes when the first subscription is in place: every event published after that is seen.</summary>
    public Task Subscribed => _subscribed.Task;

    /// <summary>Completes when the history has been read at start (or could not be: <see cref="Seed"/> says why).</summary>
    public Task Seeded => _seeded.Task;

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
            using var reading = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            Task? pump = null;
            try
            {
                await using var feed = await _events.SubscribeAsync(cancellationToken: stopping).ConfigureAwait(false);
                Listening = true;
                _subscribed.TrySetResult();
                // Live events wait in a buffer while the history is read, so that they come after it: the list then ends
                // in the state of the newest event. An event in both (published while the history was read) counts once.
                var live = Channel.CreateBounded<TaskEvent>(new BoundedChannelOptions(LiveBuffer) { SingleReader = true, SingleWriter = true });
                pump = PumpAsync(feed, live.Writer, reading.Token);
                if (!_seeded.Task.IsCompleted)
                {
                    Seed = await ReadHistoryAsync(stopping).ConfigureAwait(false);
                    _seeded.TrySetResult();
                }

                await foreach (var e in live.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
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
            finally
            {
                await reading.CancelAsync().ConfigureAwait(false);
                if (pump is not null)
                {
                    await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
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

    private static async Task PumpAsync(TaskEventFeed feed, ChannelWriter<TaskEvent> writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await foreach (var e in feed.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync(e, cancellationToken).ConfigureAwait(false);
            }

            failure = new InvalidOperationException("The task-event subscription ended.");
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }

    /// <summary>Fills the list from the last <see cref="SeedEvents"/> events of the history stream, oldest first.</summary>
    private async Task<HistorySeed> ReadHistoryAsync(CancellationToken stopping)
    {
        if (_history is null)
        {
            return new HistorySeed(null, 0, "this app does not read the history (no NATS connection)");
        }

        try
        {
            var state = await TaskHistory.ReadStateAsync(_history, stopping).ConfigureAwait(false);
            if (state is null)
            {
                return new HistorySeed(null, 0, null);
            }

            var count = (ulong)Math.Min(state.Messages, SeedEvents);
            var from = state.LastSequence >= count ? state.LastSequence - count + 1 : 1;
            var read = 0;
            await foreach (var (_, e) in TaskHistory.ReadAsync(_history, state, from, state.LastSequence, stopping).ConfigureAwait(false))
            {
                Add(e);
                read++;
            }

            return new HistorySeed(state, read, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "The TypedTasks dashboard could not read the task history stream; the recent-tasks list starts from the live events");
            return new HistorySeed(null, 0, ex.GetType().Name + ": " + ex.Message);
        }
    }

    /// <summary>Takes one event in: it joins the task's events, and the task moves to the front with the state it means.</summary>
    internal void Add(TaskEvent e)
    {
        var state = StateOf(e.Kind);
        lock (_lock)
        {
            IReadOnlyList<TaskEvent> events = [e];
            var dropped = false;
            if (_byId.TryGetValue(e.Id, out var node))
            {
                var known = node.Value;
                if (known.Events.Contains(e))
                {
                    return; // read from the history and seen live: one event
                }

                (events, dropped) = Append(known, e);

                // Events of one task come from different processes (sent by the client, started by a worker) and may arrive
                // out of order: a final state is not undone by an earlier kind of event of the same attempt.
                if (known.State.IsFinal() && !state.IsFinal() && (e.Attempt ?? 0) <= (known.Attempt ?? 0))
                {
                    node.Value = known with { Events = events, EarlierEventsDropped = dropped };
                    return;
                }

                _order.Remove(node);
                _byId.Remove(e.Id);
            }

            var task = new RecentTask(e.Id, e.TaskName, e.Queue ?? node?.Value.Queue, state, e.Worker ?? node?.Value.Worker, e.Attempt ?? node?.Value.Attempt, e.At, e.Error)
            {
                Events = events,
                EarlierEventsDropped = dropped,
            };
            _byId[e.Id] = _order.AddFirst(task);
            while (_order.Count > _capacity && _order.Last is { } oldest)
            {
                _order.RemoveLast();
                _byId.Remove(oldest.Value.Id);
            }
        }
    }

    private static (IReadOnlyList<TaskEvent> Events, bool Dropped) Append(RecentTask known, TaskEvent e)
    {
        var full = known.Events.Count >= MaxEventsPerTask;
        var events = new TaskEvent[full ? MaxEventsPerTask : known.Events.Count + 1];
        var skip = full ? known.Events.Count - MaxEventsPerTask + 1 : 0;
        for (var i = skip; i < known.Events.Count; i++)
        {
            events[i - skip] = known.Events[i];
        }

        events[^1] = e;
        return (events, known.EarlierEventsDropped || full);
    }

    /// <summary>The state an event means.</summary>
    internal static TaskState StateOf(TaskEventKind kind) => kind switch
    {
        TaskEventKind.Sent => TaskState.Pending,
        TaskEventKind.Started => TaskState.Started,
        TaskEventKind.Succeeded => TaskState.Success,
        TaskEventKind.Retried => TaskState.Retry,
        TaskEventKind.Revoked => TaskState.Revoked,
        _ => TaskState.Failure,
    };

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

/// <summary>What reading the history at start found.</summary>
/// <param name="State">The history stream as read; null when it does not exist or could not be read.</param>
/// <param name="Events">Events read into the list.</param>
/// <param name="Error">Why it could not be read; null when it was, or does not exist.</param>
internal sealed record HistorySeed(TaskHistoryState? State, int Events, string? Error);
