namespace TypedTasks;

/// <summary>
/// The base of every exception TypedTasks throws.
/// </summary>
/// <remarks>
/// <code>
/// TypedTasksException
/// ├── TaskEnqueueException          the broker did not store the task (unreachable, queue full, rejected)
/// ├── TaskArgumentException         a message's arguments cannot be decoded (dead-lettered by the worker)
/// ├── TaskFailedException           the task ran and failed; carries the remote type, message and stack
/// ├── UnknownTaskException          a message names a task this worker does not have (dead-lettered)
/// ├── TaskRetryException            thrown by TaskContext.Retry to end an attempt and schedule another
/// ├── TaskTimeLimitExceededException   the task outran its TimeLimit (stored as the FAILURE error type)
/// ├── TaskRevokedException          the task was revoked, expired or terminated (stored as the REVOKED error type)
/// ├── WorkerLostException           the task was delivered MaxDeliveries times without an outcome (dead-lettered)
/// ├── RemoteControlRefusedException   a worker refused a remote-control request (e.g. shutdown not enabled)
/// └── ResultBackendNotConfiguredException   a status or result was asked for without a result backend
/// </code>
/// Waiting longer than the given timeout throws the standard <see cref="TimeoutException"/>.
/// </remarks>
public class TypedTasksException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TypedTasksException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>The broker did not confirm that it stored the task: the task may not have been enqueued.</summary>
public sealed class TaskEnqueueException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="taskName">The task.</param>
    /// <param name="taskId">The id the task was sent with; sending again with the same id is safe.</param>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public TaskEnqueueException(string taskName, string taskId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        TaskName = taskName;
        TaskId = taskId;
    }

    /// <summary>The task.</summary>
    public string TaskName { get; }

    /// <summary>The id the task was sent with; sending again with the same id is safe.</summary>
    public string TaskId { get; }
}

/// <summary>A task message's arguments cannot be decoded into the task's parameters.</summary>
public sealed class TaskArgumentException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="taskName">The task.</param>
    /// <param name="parameterName">The parameter, when one is to blame.</param>
    /// <param name="reason">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public TaskArgumentException(string taskName, string? parameterName, string reason, Exception? innerException = null)
        : base(parameterName is null
            ? $"Cannot decode the arguments of task '{taskName}': {reason}"
            : $"Cannot decode argument '{parameterName}' of task '{taskName}': {reason}", innerException)
    {
        TaskName = taskName;
        ParameterName = parameterName;
    }

    /// <summary>The task.</summary>
    public string TaskName { get; }

    /// <summary>The parameter, when one is to blame.</summary>
    public string? ParameterName { get; }
}

/// <summary>A message names a task that is not in this worker's task table.</summary>
public sealed class UnknownTaskException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="taskName">The unknown name.</param>
    public UnknownTaskException(string taskName)
        : base($"No task named '{taskName}' is registered on this worker. Register the assembly's tasks with the generated Add…Tasks() method on the TypedTasks builder.")
    {
        TaskName = taskName;
    }

    /// <summary>The unknown name.</summary>
    public string TaskName { get; }
}

/// <summary>A task's result (with its record) is larger than the result store takes; the task is recorded as failed.</summary>
public sealed class TaskResultTooLargeException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="size">The record's size in bytes.</param>
    /// <param name="limit">The most the store takes.</param>
    public TaskResultTooLargeException(int size, int limit)
        : base($"The task's result takes {size} bytes with its record; the result store takes at most {limit}. Return a reference (an id or a URL) to the data instead.")
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>The record's size in bytes.</summary>
    public int Size { get; }

    /// <summary>The most the store takes.</summary>
    public int Limit { get; }
}

/// <summary>A status or result was asked for, but no result backend is configured.</summary>
public sealed class ResultBackendNotConfiguredException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    public ResultBackendNotConfiguredException()
        : base("No result backend is configured, so task states and results are not stored. Set TypedTasks:ResultBackend:Enabled to true (TypedTasksOptions.ResultBackend.Enabled).")
    {
    }
}

/// <summary>The task ran and failed. Carries the exception the task threw on the worker.</summary>
public sealed class TaskFailedException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="taskId">The task id.</param>
    /// <param name="taskName">The task name.</param>
    /// <param name="remoteType">Full name of the exception type thrown on the worker.</param>
    /// <param name="remoteMessage">Its message.</param>
    /// <param name="remoteStackTrace">Its stack trace on the worker.</param>
    public TaskFailedException(string taskId, string taskName, string remoteType, string remoteMessage, string? remoteStackTrace)
        : base($"Task '{taskName}' ({taskId}) failed with {remoteType}: {remoteMessage}")
    {
        TaskId = taskId;
        TaskName = taskName;
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>The task id.</summary>
    public string TaskId { get; }

    /// <summary>The task name.</summary>
    public string TaskName { get; }

    /// <summary>Full name of the exception type thrown on the worker.</summary>
    public string RemoteType { get; }

    /// <summary>The message of the exception thrown on the worker.</summary>
    public string RemoteMessage { get; }

    /// <summary>The stack trace on the worker.</summary>
    public string? RemoteStackTrace { get; }
}

/// <summary>The task was revoked, expired before it started, or was terminated while it ran.</summary>
public sealed class TaskRevokedException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the task was revoked.</param>
    public TaskRevokedException(string message)
        : base(message)
    {
    }
}

/// <summary>A task was delivered more than <see cref="WorkerOptions.MaxDeliveries"/> times without an outcome:
/// it keeps crashing or hanging its workers (Celery's <c>WorkerLostError</c>).</summary>
public sealed class WorkerLostException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public WorkerLostException(string message)
        : base(message)
    {
    }
}

/// <summary>A worker answered a remote-control request with a refusal, e.g. a <c>shutdown</c> while
/// <see cref="RemoteControlOptions.AllowShutdown"/> is off. The worker keeps running.</summary>
public sealed class RemoteControlRefusedException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="workerId">The worker that refused.</param>
    /// <param name="command">The request, e.g. <c>shutdown</c>.</param>
    /// <param name="reason">The worker's answer: why, and how to enable it.</param>
    public RemoteControlRefusedException(string workerId, string command, string reason)
        : base($"Worker '{workerId}' refused '{command}': {reason}")
    {
        WorkerId = workerId;
        Command = command;
        Reason = reason;
    }

    /// <summary>The worker that refused.</summary>
    public string WorkerId { get; }

    /// <summary>The request, e.g. <c>shutdown</c>.</summary>
    public string Command { get; }

    /// <summary>The worker's answer: why, and how to enable it.</summary>
    public string Reason { get; }
}
