namespace TypedTasks;

/// <summary>How much of a task's exception leaves the worker (<see cref="ErrorDetailsOptions"/>).</summary>
public enum ErrorDetail
{
    /// <summary>The exception's type only; the message is replaced by <see cref="TaskError.WithheldMessage"/>, no stack trace.</summary>
    TypeOnly,

    /// <summary>The exception's type and message, no stack trace.</summary>
    TypeAndMessage,

    /// <summary>The exception's type, message and stack trace.</summary>
    Full,
}

/// <summary>
/// What a worker puts of a task's exception into what others can read (<c>TypedTasks:Worker:ErrorDetails</c>): the
/// result record in the results bucket (<see cref="TaskResultRecord.Error"/>, <see cref="TaskFailedException"/> for
/// waiters) and the <c>failed</c> / <c>retried</c> task events. Exception messages can hold what should not travel (a
/// connection string, a customer's data) and stack traces tell the code's layout. The worker's own log always has the
/// full exception, under the task id.
/// </summary>
/// <remarks>
/// This governs exceptions thrown by task code (FAILURE and RETRY). The reasons TypedTasks writes itself (revoked,
/// expired, time limit, dead-lettered, worker lost) carry no stack trace and are kept. Traces (the span status of a
/// failed run) carry the message, like the log.
/// </remarks>
public sealed class ErrorDetailsOptions
{
    /// <summary>What the result record stores. Default <see cref="ErrorDetail.Full"/> (Celery stores the traceback too):
    /// whoever may read the results bucket reads it.</summary>
    public ErrorDetail InRecords { get; set; } = ErrorDetail.Full;

    /// <summary>What the task events carry (with <see cref="TypedTasksOptions.SendTaskEvents"/>). Default
    /// <see cref="ErrorDetail.TypeAndMessage"/>: events go to every subscriber of <c>&lt;prefix&gt;.events.&gt;</c> and
    /// never carry a stack trace unless set to <see cref="ErrorDetail.Full"/>.</summary>
    public ErrorDetail InEvents { get; set; } = ErrorDetail.TypeAndMessage;

    /// <summary>The error as <paramref name="detail"/> allows.</summary>
    internal static TaskError Apply(TaskError error, ErrorDetail detail) => detail switch
    {
        ErrorDetail.Full => error,
        ErrorDetail.TypeAndMessage => error.StackTrace is null ? error : error with { StackTrace = null },
        _ => new TaskError(error.Type, TaskError.WithheldMessage, null),
    };
}
