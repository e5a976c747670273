namespace TypedTasks.Eager;

/// <summary>Eager mode runs tasks in the sender: there are no workers to list.</summary>
internal sealed class NoWorkers : IWorkerInspector
{
    public ValueTask<IReadOnlyList<WorkerInfo>> ListAsync(bool includeLost = false, CancellationToken cancellationToken = default)
        => new([]);
}
