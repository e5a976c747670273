using System.ComponentModel;
using TypedTasks.Generated;

namespace TypedTasks;

/// <summary>
/// Sends tasks to the broker and hands out handles to their results. Inject it where you enqueue work;
/// the generated extension methods (<c>client.GenerateReport().DelayAsync(2024)</c>) are the typed way to use it.
/// Thread-safe; register once per process (<c>services.AddTypedTasks(…)</c> does).
/// </summary>
public interface ITaskClient
{
    /// <summary>
    /// Sends a task without a stored result and returns once the broker has stored it. Called by the generated proxies
    /// (<c>DelayAsync</c>, <c>ApplyAsync</c>); implement it in a fake client, call the proxies.
    /// </summary>
    /// <typeparam name="TArguments">The generated arguments struct of the task.</typeparam>
    /// <param name="task">The task.</param>
    /// <param name="arguments">The arguments.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for the broker's acknowledgement.</param>
    /// <returns>A handle to the task.</returns>
    /// <exception cref="TaskEnqueueException">The broker did not store the task.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    ValueTask<TaskHandle> EnqueueAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments;

    /// <summary>
    /// Sends a task that returns <typeparamref name="TResult"/> and returns once the broker has stored it. Called by the
    /// generated proxies (<c>DelayAsync</c>, <c>ApplyAsync</c>); implement it in a fake client, call the proxies.
    /// </summary>
    /// <typeparam name="TArguments">The generated arguments struct of the task.</typeparam>
    /// <typeparam name="TResult">The task's result type.</typeparam>
    /// <param name="task">The task.</param>
    /// <param name="arguments">The arguments.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for the broker's acknowledgement.</param>
    /// <returns>A handle to the task's result.</returns>
    /// <exception cref="TaskEnqueueException">The broker did not store the task.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    ValueTask<TaskHandle<TResult>> EnqueueAsync<TArguments, TResult>(TaskDefinition<TResult> task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments;

    /// <summary>A handle to a task sent earlier, possibly by another process (Celery's <c>AsyncResult(id)</c>; the proxies'
    /// <c>GetHandle(id)</c>).</summary>
    /// <param name="task">The task.</param>
    /// <param name="id">The task id.</param>
    /// <returns>The handle.</returns>
    TaskHandle GetHandle(TaskDefinition task, string id);

    /// <summary>A handle to the result of a task sent earlier, possibly by another process (Celery's <c>AsyncResult(id)</c>; the proxies'
    /// <c>GetHandle(id)</c>).</summary>
    /// <typeparam name="TResult">The task's result type.</typeparam>
    /// <param name="task">The task.</param>
    /// <param name="id">The task id.</param>
    /// <returns>The handle.</returns>
    TaskHandle<TResult> GetHandle<TResult>(TaskDefinition<TResult> task, string id);
}
