using System.ComponentModel;

namespace TypedTasks.Generated;

/// <summary>
/// Runs one task on a worker: decodes <see cref="TaskInvocation.Arguments"/>, calls the task method and reports
/// its result through <see cref="TaskInvocation.SetResult{T}"/>. The generator emits one per task.
/// </summary>
/// <param name="invocation">The execution: arguments, DI scope, cancellation and result sink.</param>
/// <returns>A task that completes when the method has completed.</returns>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate ValueTask TaskInvoker(TaskInvocation invocation);
