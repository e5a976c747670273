using NATS.Client.Core;

namespace TypedTasks.Worker;

internal sealed partial class TaskWorker
{
    /// <summary>
    /// How long after this worker (re)connects a first delivery's record is read in the slot, right before the task starts,
    /// rather than while the message waits for a slot; and how long after a reconnect no <c>TT-Fresh-Id</c> is trusted.
    /// After a server crash nats-server 2.9 hands out redeliveries as first deliveries while the workers that ran them may
    /// still be storing their outcomes (they retry for about 30 s, <see cref="SettleTries"/>): a read taken at fetch could
    /// precede that record, one taken at the start sees it. And right after a reconnect the connection may still name the
    /// server it had before (NATS.Net updates <c>ServerInfo</c> as the handshake goes), under which the messages sent
    /// before the crash would pass for fresh.
    /// </summary>
    internal static readonly TimeSpan ReadInSlotAfterConnect = TimeSpan.FromSeconds(60);

    /// <summary>When the worker started or the connection last opened again (it may join right after a crash).</summary>
    private long _connectedAt = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>When the connection was last lost or opened again after a loss; 0 before any loss.</summary>
    private long _reconnectedAt;

    /// <summary>1 between a loss of the connection and its next opening.</summary>
    private int _disconnected;

    /// <summary>Completed (and replaced) each time the connection opens again: outcomes waiting to be stored try at once.</summary>
    private TaskCompletionSource _connectionOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool RecentlyConnected => Since(ref _connectedAt) < ReadInSlotAfterConnect;

    /// <summary>Whether a first delivery's <c>TT-Fresh-Id</c> can be compared with the server's id now.</summary>
    private bool FreshIdsTrusted => Volatile.Read(ref _reconnectedAt) == 0 || Since(ref _reconnectedAt) >= ReadInSlotAfterConnect;

    private static TimeSpan Since(ref long timestamp) => System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref timestamp));

    private ValueTask OnConnectionDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        Volatile.Write(ref _disconnected, 1);
        Volatile.Write(ref _reconnectedAt, System.Diagnostics.Stopwatch.GetTimestamp());
        return ValueTask.CompletedTask;
    }

    private ValueTask OnConnectionOpenedAsync(object? sender, NatsEventArgs args)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        Volatile.Write(ref _connectedAt, now);
        if (Interlocked.Exchange(ref _disconnected, 0) == 1)
        {
            Volatile.Write(ref _reconnectedAt, now);
        }

        Interlocked.Exchange(ref _connectionOpened, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits before storing an outcome again: the backoff, or less when the connection opens again meanwhile.</summary>
    private Task SettleBackoffAsync(int attempt)
        => Task.WhenAny(Task.Delay(SettleBackoff(attempt), CancellationToken.None), Volatile.Read(ref _connectionOpened).Task);
}
