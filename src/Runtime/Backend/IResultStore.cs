namespace TypedTasks.Backend;

/// <summary>The result backend as the client sees it.</summary>
internal interface IResultStore
{
    ValueTask<TaskResultRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Waits for a final record. <paramref name="local"/> tells whether this process sent the task,
    /// so the worker will notify this process directly.</summary>
    Task<TaskResultRecord> WaitForFinalAsync(string id, bool local, TimeSpan timeout, CancellationToken cancellationToken);

    ValueTask ForgetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Records a revocation every worker sees, and REVOKED in the result backend unless the task finished.</summary>
    ValueTask RevokeAsync(string id, string taskName, bool terminate, CancellationToken cancellationToken);
}
