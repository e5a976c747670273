using NATS.Client.Core;

namespace TypedTasks.Protocol;

/// <summary>Header names of the task message protocol (<c>docs/protocol.md</c>).</summary>
internal static class TaskHeaders
{
    /// <summary>The protocol version this runtime speaks and writes.</summary>
    public const int ProtocolVersion = 1;

    public const string ProtocolVersionText = "1";

    public const string Protocol = "TT-Protocol";
    public const string Task = "TT-Task";
    public const string Id = "TT-Id";
    public const string Reply = "TT-Reply";

    /// <summary>The attempt this message is (1 for the first run); absent means 1.</summary>
    public const string Attempt = "TT-Attempt";

    /// <summary>Not before: the message waits in the schedule stream until then (ISO-8601).</summary>
    public const string Eta = "TT-Eta";

    /// <summary>Not after: a worker that receives the message later revokes it as expired (ISO-8601).</summary>
    public const string Expires = "TT-Expires";

    /// <summary>A per-call override of the task's MaxRetries.</summary>
    public const string MaxRetries = "TT-Max-Retries";

    /// <summary>The revision of the PENDING record the producer wrote (RecordPending): the worker's first write replaces it.</summary>
    public const string RecordRevision = "TT-Record-Revision";

    /// <summary>The id of the standalone server a producer published a task through under an id it made (<see cref="FreshId"/>).</summary>
    public const string FreshId = "TT-Fresh-Id";

    /// <summary>The queue a scheduled message goes to when it is due.</summary>
    public const string Queue = "TT-Queue";
    public const string DeadReason = "TT-Dead-Reason";
    public const string DeadAt = "TT-Dead-At";
    public const string DeadFromSubject = "TT-Dead-Subject";

    /// <summary>The original message's sequence in the task stream.</summary>
    public const string DeadSequence = "TT-Dead-Sequence";

    /// <summary>What of the original the dead letter could not keep whole (absent when it kept everything).</summary>
    public const string DeadTruncated = "TT-Dead-Truncated";

    /// <summary>With <see cref="DeadTruncated"/>: the original's sizes, <c>headers=N body=N</c>.</summary>
    public const string DeadOriginalSize = "TT-Dead-Original-Size";

    /// <summary>
    /// The original's header block, base64, exactly as the server stored it, when it could not be read as headers (it
    /// does not start with <c>NATS/1.0</c>, or a line is not <c>Name: value</c>); cut to
    /// <c>DeadLetterEnvelope.RawHeaderBudget</c> bytes before encoding.
    /// </summary>
    public const string DeadRawHeaders = "TT-Dead-Raw-Headers";
    public const string MsgId = "Nats-Msg-Id";

    /// <summary>On an occurrence of a periodic schedule: its message id, <c>&lt;schedule&gt;:&lt;occurrence UTC&gt;</c> (informational).</summary>
    public const string Periodic = "TT-Periodic";

    /// <summary>On a step of a chain: the chain's plan, the steps still to run (docs/protocol.md §12).</summary>
    public const string Chain = "TT-Chain";

    /// <summary>On a member of a chord: the group, the member's index, how many there are, and the callback (docs/protocol.md §13).</summary>
    public const string Chord = "TT-Chord";

    /// <summary>On a chord's member-done marker: the member's index.</summary>
    public const string ChordIndex = "TT-Chord-Index";

    /// <summary>On a batch's member-done marker: <c>failed</c> when the member did not succeed (absent when it did).</summary>
    public const string ChordOutcome = "TT-Chord-Outcome";

    /// <summary>The task id a message gives: <see cref="Id"/>, or without it <see cref="MsgId"/>, which is the id of a task
    /// sent straight to its queue (docs/protocol.md §2); unchecked (the intake checks it). Null when it has neither.</summary>
    public static string? IdOf(NatsHeaders? headers) => Value(headers, Id) ?? Value(headers, MsgId);

    /// <summary>The header's value as one string (several values joined by commas); null when the message has none.</summary>
    public static string? Value(NatsHeaders? headers, string name)
        => headers is not null && headers.TryGetValue(name, out var values) ? values.ToString() : null;
}
