namespace TypedTasks;

/// <summary>
/// Periodic schedules changed at run time, for every worker at once and without restarting any: the schedules bucket
/// holds each schedule's definition, and every worker's scheduler watches it (<c>docs/periodic.md</c>, "Changing and
/// removing schedules"). Registered by <c>services.AddTypedTasks(…)</c>; <c>tt schedules remove</c> uses it too.
/// </summary>
public interface IPeriodicSchedules
{
    /// <summary>
    /// Adds a schedule, or replaces the definition of the one with its name (what is sent, and when), keeping its last
    /// occurrence. Running workers send it from the occurrences after this call, whether or not their code has the task.
    /// A schedule their code declares (<c>[Periodic]</c>, <c>AddPeriodic</c>) gets the code's definition back when a worker
    /// declaring it starts: change those in code.
    /// </summary>
    /// <param name="schedule">The schedule (<see cref="PeriodicSchedule.Create(TaskCall, string, string?, string?, PeriodicCatchUp)"/>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The revision of the schedule's record once written.</returns>
    ValueTask<ulong> SetAsync(PeriodicSchedule schedule, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a schedule: no worker sends it any more. Its record stays as a tombstone with its last occurrence (listed as
    /// removed by <c>tt schedules</c>). A worker whose code declares it brings it back when it starts: remove it from the
    /// code as well.
    /// </summary>
    /// <param name="name">The schedule's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The revision of the removal, or <see langword="null"/> when there is no such schedule (or it is removed already).</returns>
    ValueTask<ulong?> RemoveAsync(string name, CancellationToken cancellationToken = default);
}
