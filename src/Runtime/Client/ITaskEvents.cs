namespace TypedTasks;

/// <summary>
/// A live feed of task events (Celery's event stream, what Flower shows), published by clients and workers that have
/// <see cref="TypedTasksOptions.SendTaskEvents"/> on. Core NATS: at most once — a reader sees the events published while
/// it listens (the server also keeps the last ones in the history stream, <see cref="TypedTasksOptions.TaskHistory"/>).
/// For a task's state, read its record (<c>handle.GetStatusAsync()</c>) instead. Registered by <c>services.AddTypedTasks(…)</c>.
/// </summary>
public interface ITaskEvents
{
    /// <summary>
    /// Subscribes to task events: every event published after this returns is in the feed (the server has the
    /// subscription by then), until the feed is disposed.
    /// </summary>
    /// <param name="kinds">Only these kinds; all when null or empty.</param>
    /// <param name="cancellationToken">Cancels the subscribing.</param>
    /// <returns>The feed; read it with <see cref="TaskEventFeed.ReadAllAsync"/>, dispose it to unsubscribe.</returns>
    ValueTask<TaskEventFeed> SubscribeAsync(IReadOnlyCollection<TaskEventKind>? kinds = null, CancellationToken cancellationToken = default);
}
