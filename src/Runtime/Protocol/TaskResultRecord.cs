using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TypedTasks;

/// <summary>An error stored for a failed task.</summary>
/// <param name="Type">Full name of the exception type.</param>
/// <param name="Message">The exception's message.</param>
/// <param name="StackTrace">The stack trace on the worker.</param>
/// <remarks>What a worker stores and sends of a task's exception is set by <see cref="WorkerOptions.ErrorDetails"/>: the
/// stack trace can be left out, and the message replaced by <see cref="WithheldMessage"/>.</remarks>
public sealed record TaskError(string Type, string Message, string? StackTrace)
{
    /// <summary>The <see cref="Message"/> of an error whose message the worker withheld (<see cref="ErrorDetail.TypeOnly"/>).</summary>
    public const string WithheldMessage = "The exception's message was withheld by the worker (TypedTasks:Worker:ErrorDetails); the worker's log has the full exception under the task id.";
}

/// <summary>
/// What a chain's record says of the chain (docs/workflows.md, docs/protocol.md §12). The record of a chain is a task
/// record under the chain's id whose <see cref="TaskResultRecord.State"/> is the chain's: PENDING from the send, then
/// SUCCESS with the last step's result, or FAILURE / REVOKED with the error of the step that stopped it.
/// </summary>
public sealed record TaskChainInfo
{
    /// <summary>How many steps the chain has.</summary>
    public int Steps { get; init; }

    /// <summary>The steps' task names, in order; empty when the worker that ended the chain did not find them.</summary>
    public IReadOnlyList<string> Tasks { get; init; } = [];

    /// <summary>The step (from 0) that failed or was revoked, which stopped the chain; null while it runs or when it succeeded.</summary>
    public int? FailedStep { get; init; }

    /// <summary>The task name of <see cref="FailedStep"/>.</summary>
    public string? FailedTask { get; init; }
}

/// <summary>
/// What a group's record says of the group (docs/workflows.md): a record under the group's id, PENDING from the send;
/// its members are the tasks <c>&lt;group id&gt;-0</c> … <c>&lt;group id&gt;-(Members - 1)</c>, each with its own record.
/// </summary>
public sealed record TaskGroupInfo
{
    /// <summary>How many members the group has (1 to <see cref="TaskGroup.MaxMembers"/>).</summary>
    public int Members { get; init; }
}

/// <summary>What the result backend stores for one task. See <c>docs/protocol.md</c> for the JSON form.</summary>
public sealed record TaskResultRecord
{
    /// <summary>The task id.</summary>
    public required string Id { get; init; }

    /// <summary>The task name.</summary>
    public required string TaskName { get; init; }

    /// <summary>The state.</summary>
    public required TaskState State { get; init; }

    /// <summary>The JSON of the return value, when the task succeeded and returns one; else empty. Read it typed with
    /// <see cref="GetResult{T}"/>.</summary>
    internal ReadOnlyMemory<byte> ResultJson { get; init; }

    /// <summary>The error, when the task failed.</summary>
    public TaskError? Error { get; init; }

    /// <summary>The attempt the record is about (1 for the first run); 0 when no worker has had the task yet (a PENDING
    /// record written at send, a REVOKED one written by the client).</summary>
    public int Attempts { get; init; }

    /// <summary>The worker that wrote the record: its id, <c>&lt;host&gt;-&lt;pid&gt;-&lt;8 hex&gt;</c>.</summary>
    public string? Worker { get; init; }

    /// <summary>When the producer sent the task (PENDING records, with <see cref="ResultBackendOptions.RecordPending"/>).</summary>
    public DateTimeOffset? SentAt { get; init; }

    /// <summary>When the run of the attempt began; null when nothing started (PENDING, revoked or expired before the
    /// start, refused by the intake).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the record was written.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>For <see cref="TaskState.Started"/>: how many earlier runs of this attempt there were (their workers
    /// died or hung). Drives <see cref="WorkerOptions.MaxDeliveries"/>; 0 for the first run.</summary>
    internal int Reruns { get; init; }

    /// <summary>For <see cref="TaskState.Started"/>: the progress the task last reported (<see cref="TaskContext.ReportProgressAsync"/>).</summary>
    public TaskProgress? Progress { get; init; }

    /// <summary>For <see cref="TaskState.Retry"/>: when the next attempt may start.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>For the record of a chain (its key is the chain's id): the steps, and which one failed.</summary>
    public TaskChainInfo? Chain { get; init; }

    /// <summary>For the record of a group (its key is the group's id): how many members it has.</summary>
    public TaskGroupInfo? Group { get; init; }

    /// <summary>Reads the return value.</summary>
    /// <typeparam name="T">The task's result type.</typeparam>
    /// <param name="typeInfo">Source-generated JSON metadata of <typeparamref name="T"/>.</param>
    /// <returns>The value.</returns>
    public T GetResult<T>(JsonTypeInfo<T> typeInfo)
    {
        if (ResultJson.IsEmpty)
        {
            throw new InvalidOperationException($"Task '{TaskName}' ({Id}) has no stored result (state {State.ToWireName()}).");
        }

        return JsonSerializer.Deserialize(ResultJson.Span, typeInfo)!;
    }

    internal TaskFailedException ToException()
        => new(Id, TaskName, Error?.Type ?? "System.Exception", Error?.Message ?? "The task failed.", Error?.StackTrace);
}
