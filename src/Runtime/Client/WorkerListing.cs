namespace TypedTasks;

/// <summary>Which workers <see cref="IWorkerInspector.ListAsync"/> returns.</summary>
public enum WorkerListing
{
    /// <summary>The workers that sent a heartbeat within three of their intervals.</summary>
    Alive,

    /// <summary>Those, and the workers silent longer without a clean shutdown (crashed or cut off) within the last hour.</summary>
    AliveAndLost,
}
