namespace TypedTasks.Broker;

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
    public const string DeadReason = "TT-Dead-Reason";
    public const string DeadAt = "TT-Dead-At";
    public const string DeadFromSubject = "TT-Dead-Subject";
    public const string MsgId = "Nats-Msg-Id";
}
