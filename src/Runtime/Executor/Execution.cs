namespace TypedTasks.Executor;

/// <summary>How one run of a task ended, as the executor saw it.</summary>
internal enum ExecutionKind
{
    /// <summary>The method returned; <see cref="Execution.ResultJson"/> holds its result.</summary>
    Succeeded,

    /// <summary>The method threw (or ran past its time limit) and no retry is due.</summary>
    Failed,

    /// <summary>The method threw and the retry policy wants another attempt after <see cref="Execution.RetryDelay"/>.</summary>
    RetryDue,

    /// <summary>The arguments could not be read as the method's parameters: the message itself is bad.</summary>
    BadArguments,

    /// <summary>The host is shutting down and cancelled the run: nothing happened that counts.</summary>
    Abandoned,

    /// <summary>The task was revoked with terminate while it ran.</summary>
    Terminated,
}

/// <summary>What one run produced: the executor's answer, which the worker settles and eager mode stores.</summary>
/// <param name="Kind">How the run ended.</param>
/// <param name="ResultJson">The result's JSON, for <see cref="ExecutionKind.Succeeded"/>.</param>
/// <param name="Exception">The cause, for the failing kinds (a retry request's inner exception when it has one).</param>
/// <param name="RetryDelay">For <see cref="ExecutionKind.RetryDue"/>: how long until the next attempt may start.</param>
internal readonly record struct Execution(ExecutionKind Kind, ReadOnlyMemory<byte> ResultJson = default, Exception? Exception = null, TimeSpan RetryDelay = default)
{
    /// <summary>The error as stored in records and events.</summary>
    public TaskError? Error => Exception is null ? null : ErrorFrom(Exception);

    public static TaskError ErrorFrom(Exception exception)
        => new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace);
}

/// <summary>Tells the executor whether a run was cancelled because its task was revoked with terminate.</summary>
internal interface ITerminationSignal : IDisposable
{
    bool Terminated { get; }
}
