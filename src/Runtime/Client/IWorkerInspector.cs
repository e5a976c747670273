namespace TypedTasks;

/// <summary>
/// Which workers are up and what they run (Celery's <c>inspect</c> and Flower's worker list), from the heartbeats every
/// worker writes to the workers bucket (<c>TT_WORKERS</c>). Registered by <c>services.AddTypedTasks(…)</c>.
/// </summary>
public interface IWorkerInspector
{
    /// <summary>The workers that sent a heartbeat within three of their intervals, and with
    /// <see cref="WorkerListing.AliveAndLost"/> also those silent longer (crashed or cut off) within the last hour.</summary>
    /// <param name="which">Whether to include workers whose heartbeats stopped without a clean shutdown. Default
    /// <see cref="WorkerListing.Alive"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The workers, by id.</returns>
    ValueTask<IReadOnlyList<WorkerInfo>> ListAsync(WorkerListing which = WorkerListing.Alive, CancellationToken cancellationToken = default);

    /// <summary>Asks every worker to answer now (Celery's <c>inspect ping</c>): the state of each that answered within
    /// <paramref name="wait"/>, fresher than its last heartbeat. Workers with remote control off do not answer; the running
    /// tasks (<see cref="WorkerInfo.Active"/>) are listed only by workers with <see cref="RemoteControlOptions.IncludeRunningTasks"/>
    /// on (<see cref="WorkerInfo.Busy"/> counts them always).</summary>
    /// <param name="wait">How long to collect answers. Default 1 s.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The workers that answered, by id.</returns>
    ValueTask<IReadOnlyList<WorkerInfo>> PingAsync(TimeSpan? wait = null, CancellationToken cancellationToken = default);

    /// <summary>Asks one worker to stop gracefully (Celery's <c>control shutdown</c>): it stops taking tasks, lets running
    /// ones finish within its grace period and hands the rest back, and its host stops. Only workers with
    /// <see cref="RemoteControlOptions.AllowShutdown"/> on do so; the others refuse and run on.</summary>
    /// <param name="workerId">The worker's id (<see cref="WorkerInfo.Id"/>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Whether the worker acknowledged (false: no such worker up, or remote control off).</returns>
    /// <exception cref="RemoteControlRefusedException">The worker refused: remote shutdown is not enabled on it (the
    /// message says how to enable it).</exception>
    ValueTask<bool> ShutdownAsync(string workerId, CancellationToken cancellationToken = default);
}
