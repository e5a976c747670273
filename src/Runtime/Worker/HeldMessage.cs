using NATS.Client.Core;
using NATS.Client.JetStream;
using TypedTasks.Protocol;

namespace TypedTasks.Worker;

/// <summary>A task message the worker holds: fetched, not yet acked. Kept alive with progress acks.</summary>
internal sealed class HeldMessage
{
    public HeldMessage(long key, string queue, INatsJSMsg<NatsMemoryOwner<byte>> message, string? serverId)
    {
        Key = key;
        Queue = queue;
        Message = message;
        ServerId = serverId;
        if (AckSubject.TryParse(message.ReplyTo, out var delivered, out var pending))
        {
            Deliveries = delivered;
            Pending = pending;
        }
        else
        {
            Deliveries = message.Metadata?.NumDelivered ?? 1;
            Pending = message.Metadata?.NumPending ?? 1;
        }
    }

    /// <summary>How many times the broker delivered this message (1 = first delivery).</summary>
    public ulong Deliveries { get; }

    /// <summary>How many messages the consumer had left to deliver after this one.</summary>
    public ulong Pending { get; }

    public long Key { get; }

    /// <summary>The id of the server the message was fetched from, as the connection named it then.</summary>
    public string? ServerId { get; }

    public string Queue { get; }

    public INatsJSMsg<NatsMemoryOwner<byte>> Message { get; }

    public ReadOnlyMemory<byte> Body => Message.Data.Memory;

    /// <summary>When the broker last heard that this worker holds the message (the fetch, then each progress ack).</summary>
    public long AliveSince { get; private set; } = System.Diagnostics.Stopwatch.GetTimestamp();

    public void MarkAlive() => AliveSince = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>
    /// Whether the broker may have given this message to another worker: nothing renewed its lease for a whole AckWait
    /// (the process was paused, or cut off from the server). Such a message is not started, and not kept alive again.
    /// </summary>
    public bool LeaseLapsed(TimeSpan ackWait) => System.Diagnostics.Stopwatch.GetElapsedTime(AliveSince) >= ackWait;

    /// <summary>
    /// The task's record, read while the message waited for a slot (first deliveries of tasks that keep a record; see
    /// <c>TaskWorker.StartRecordRead</c>); null when it was not read.
    /// </summary>
    public Task<RecordLookup>? RecordRead { get; set; }

    /// <summary>Whether the task's record is to be read in the slot, right before the task starts (a first delivery fetched
    /// soon after the worker connected: see <c>TaskWorker.ReadInSlotAfterConnect</c>).</summary>
    public bool ReadRecordInSlot { get; set; }

    public string? Header(string name)
        => TaskHeaders.Value(Message.Headers, name);

    /// <summary>The task id as the message gives it (<see cref="TaskHeaders.IdOf"/>); unchecked (the intake checks it).</summary>
    public string? TaskId => TaskHeaders.IdOf(Message.Headers);
}

/// <summary>A task's record as read before its run: the entry (null when the id has none), or why it could not be read.</summary>
internal readonly record struct RecordLookup((TaskResultRecord Record, ulong Revision)? Entry, Exception? Error);

/// <summary>What became of one execution, decided inside the slot and settled outside it.</summary>
internal enum OutcomeKind
{
    /// <summary>The task ran and returned.</summary>
    Success,

    /// <summary>The task ran and threw.</summary>
    Failure,

    /// <summary>The message cannot be run: unknown task, bad arguments, newer protocol.</summary>
    DeadLetter,

    /// <summary>The worker is shutting down and cancelled the task: hand it back to the broker.</summary>
    Abandon,

    /// <summary>The worker could not prepare the task (e.g. the result store is unreachable): hand it back after a pause.</summary>
    HandBack,

    /// <summary>The attempt failed and another is scheduled.</summary>
    Retry,

    /// <summary>The task was revoked or expired before it ran, or terminated while running.</summary>
    Revoked,

    /// <summary>A duplicate delivery of a task whose final result is stored: ack, do not run.</summary>
    AlreadyDone,

    /// <summary>The message's lease lapsed before the task started (the process was paused on its way there): not started,
    /// not settled; the broker redelivers it, possibly to another worker that may have run it already.</summary>
    LeaseLapsed,
}

internal sealed record Outcome(OutcomeKind Kind)
{
    public string? TaskId { get; init; }

    public TaskDefinition? Task { get; init; }

    public string? TaskName { get; init; }

    public ReadOnlyMemory<byte> ResultJson { get; init; }

    /// <summary>For <see cref="OutcomeKind.AlreadyDone"/>: the final record that stays, for the waiting producer.</summary>
    public ReadOnlyMemory<byte> Stored { get; init; }

    /// <summary>The error, in full: what the worker logs. Stored and sent as <see cref="WorkerOptions.ErrorDetails"/> allows
    /// when <see cref="ErrorFromTask"/>.</summary>
    public TaskError? Error { get; init; }

    /// <summary>The exception the task threw, for the worker's log; null when <see cref="Error"/> is a reason TypedTasks wrote.</summary>
    public Exception? TaskException { get; init; }

    /// <summary>Whether <see cref="Error"/> is the task's own exception (not a reason TypedTasks wrote).</summary>
    public bool ErrorFromTask => TaskException is not null;

    public string? DeadLetterReason { get; init; }

    public int Attempt { get; init; } = 1;

    /// <summary>When the run began; null when the task never started (the record then has no <c>startedAt</c>).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    public ulong? StartedRevision { get; init; }

    /// <summary>Earlier runs of this attempt (their workers died or hung).</summary>
    public int Reruns { get; init; }

    /// <summary>The results subject to notify and the producer's token, as the intake accepted them; null for none.</summary>
    public string? Reply { get; init; }

    /// <summary>For <see cref="OutcomeKind.Retry"/>: when the next attempt may start.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>For a step of a chain: its plan, to send the next step or end the chain when this one is settled.</summary>
    public ChainPlan? Chain { get; init; }

    /// <summary>For a member of a chord: its plan, to store the member's marker (and send the callback when it is the last)
    /// or end the chord when this one is settled.</summary>
    public ChordPlan? Chord { get; init; }

    public static TaskError ErrorFrom(Exception exception)
        => new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace);
}
