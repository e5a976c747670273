namespace TypedTasks.Eager;

/// <summary>Eager mode has no broker: no events are published, and a feed stays empty.</summary>
internal sealed class NoTaskEvents : ITaskEvents
{
    public ValueTask<TaskEventFeed> SubscribeAsync(IReadOnlyCollection<TaskEventKind>? kinds = null, CancellationToken cancellationToken = default)
        => new(new TaskEventFeed(null, kinds));
}
