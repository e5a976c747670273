using NATS.Client.Core;

namespace TypedTasks.Worker;

internal sealed partial class TaskWorker
{
    /// <summary>
    /// How long after this worker (re)connects a first delivery's record is read in the slot, right before the task starts,
    /// rather than while the message waits for a slot. After a server crash nats-server 2.9 hands out redeliveries as first
    /// deliveries while the workers that ran them may still be storing their outcomes (they retry for about 30 s,
    /// <see cref="SettleTries"/>): a read taken at fetch could precede that record, one taken at the start sees it.
    /// </summary>
    internal static readonly TimeSpan ReadInSlotAfterConnect = TimeSpan.FromSeconds(60);

    /// <summary>When the connection last opened (the worker's start counts: it may join right after a crash).</summary>
    private long _connectedAt = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Completed (and replaced) each time the connection opens again: outcomes waiting to be stored try at once.</summary>
    private TaskCompletionSource _connectionOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool RecentlyConnected => System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref _connectedAt)) < ReadInSlotAfterConnect;

    private ValueTask OnConnectionOpenedAsync(object? sender, NatsEventArgs args)
    {
        Volatile.Write(ref _connectedAt, System.Diagnostics.Stopwatch.GetTimestamp());
        Interlocked.Exchange(ref _connectionOpened, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits before storing an outcome again: the backoff, or less when the connection opens again meanwhile.</summary>
    private Task SettleBackoffAsync(int attempt)
        => Task.WhenAny(Task.Delay(SettleBackoff(attempt), CancellationToken.None), Volatile.Read(ref _connectionOpened).Task);
}
