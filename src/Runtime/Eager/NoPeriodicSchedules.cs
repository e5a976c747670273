namespace TypedTasks.Eager;

/// <summary>Eager mode has no broker and no scheduler: changing a schedule says so.</summary>
internal sealed class NoPeriodicSchedules : IPeriodicSchedules
{
    private const string Why = "Eager mode (RunTasksEagerly) has no broker and no scheduler, so periodic schedules cannot be changed; send the task directly in tests, or use a real nats-server.";

    public ValueTask<ulong> SetAsync(PeriodicSchedule schedule, CancellationToken cancellationToken = default) => throw new InvalidOperationException(Why);

    public ValueTask<ulong?> RemoveAsync(string name, CancellationToken cancellationToken = default) => throw new InvalidOperationException(Why);
}
