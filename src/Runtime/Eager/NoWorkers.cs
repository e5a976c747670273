namespace TypedTasks.Eager;

/// <summary>Eager mode runs tasks in the sender: there are no workers to list.</summary>
internal sealed class NoWorkers : IWorkerInspector
{
    public ValueTask<IReadOnlyList<WorkerInfo>> ListAsync(WorkerListing which = WorkerListing.Alive, CancellationToken cancellationToken = default)
        => new([]);

    public ValueTask<IReadOnlyList<WorkerInfo>> PingAsync(TimeSpan? wait = null, CancellationToken cancellationToken = default)
        => new([]);

    public ValueTask<bool> ShutdownAsync(string workerId, CancellationToken cancellationToken = default)
        => new(false);
}
