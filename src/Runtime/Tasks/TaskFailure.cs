namespace TypedTasks;

/// <summary>
/// What an error callback receives as its first argument (Celery's <c>link_error</c>): the task of a chain or chord that
/// failed, and why. On the wire: <c>{"TaskId":…,"TaskName":…,"ErrorType":…,"Message":…}</c>.
/// </summary>
/// <param name="TaskId">The failed task's id: a chain's step <c>&lt;chain id&gt;-n</c>, a chord's member <c>&lt;group id&gt;-n</c>.</param>
/// <param name="TaskName">The failed task's name.</param>
/// <param name="ErrorType">The full name of the exception type (as in the failed task's record).</param>
/// <param name="Message">The error's message (as the worker's error details allow).</param>
public sealed record TaskFailure(string TaskId, string TaskName, string ErrorType, string Message);
