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

    /// <summary>
    /// Sends a chain (<c>A.Call(…).Then(B.Partial(…)).Then(…)</c>) and returns once the broker has stored its first step; each
    /// later step is sent by the worker that finished the one before it, with that step's result as its first argument
    /// (docs/workflows.md). The handle, under the chain's id, yields the last step's result, or throws the error of the
    /// step that stopped the chain; revoking it stops the chain.
    /// </summary>
    /// <typeparam name="TResult">The last step's result type.</typeparam>
    /// <param name="chain">The chain.</param>
    /// <param name="options">Per-call options: only <see cref="TaskOptions.TaskId"/>, the chain's id (at most 100 characters;
    /// step <c>n</c> gets the task id <c>&lt;chain id&gt;-n</c>).</param>
    /// <param name="cancellationToken">Cancels the wait for the broker's acknowledgement.</param>
    /// <returns>A handle to the chain's result.</returns>
    /// <exception cref="TaskEnqueueException">The broker did not store the first step.</exception>
    /// <exception cref="ArgumentException">An option a chain does not take, an id that is not valid, or a plan past its bounds (docs/protocol.md §12).</exception>
    /// <exception cref="NotSupportedException">This client cannot send chains (a fake client that does not implement it).</exception>
    ValueTask<TaskHandle<TResult>> SendChainAsync<TResult>(TaskChain<TResult> chain, TaskOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} cannot send chains; use the ITaskClient of AddTypedTasks(…).");

    /// <summary>
    /// Sends a group (<c>TaskGroup.Of(calls)</c>): every member as a normal task, with the id <c>&lt;group id&gt;-&lt;index&gt;</c>,
    /// run in parallel by the workers; returns once the broker has stored them all (docs/workflows.md). The handle yields the
    /// members' results in member order. A send that fails part-way leaves the members sent so far queued; sending the
    /// group again with the same id stores each of them once (within the duplicate window) and runs the rest.
    /// </summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="group">The group.</param>
    /// <param name="options">Per-call options: only <see cref="TaskOptions.TaskId"/>, the group's id (at most 100 characters).</param>
    /// <param name="cancellationToken">Cancels the sends.</param>
    /// <returns>A handle to the group's results.</returns>
    /// <exception cref="TaskEnqueueException">The broker did not store a member.</exception>
    /// <exception cref="ArgumentException">An option a group does not take, or an id that is not valid.</exception>
    /// <exception cref="NotSupportedException">This client cannot send groups (a fake client that does not implement it).</exception>
    ValueTask<TaskGroupHandle<TResult>> SendGroupAsync<TResult>(TaskGroup<TResult> group, TaskOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} cannot send groups; use the ITaskClient of AddTypedTasks(…).");

    /// <summary>
    /// Sends a chord (<c>TaskGroup.Of(calls).Then(Callback.Partial(…))</c>): every member as a normal task, with the id
    /// <c>&lt;group id&gt;-&lt;index&gt;</c>, run in parallel by the workers; once the last member has succeeded, the worker
    /// that settles it sends the callback — exactly once, however many members end at the same instant — with the members'
    /// results in member order as its first argument, under the id <c>&lt;group id&gt;-callback</c>. Returns once the broker
    /// has stored every member (docs/workflows.md). The handle yields the callback's result; when a member fails, is
    /// revoked or dead-lettered, the callback is never sent and the handle throws that member's error.
    /// </summary>
    /// <typeparam name="TMember">The members' result type.</typeparam>
    /// <typeparam name="TResult">The callback's result type.</typeparam>
    /// <param name="chord">The chord.</param>
    /// <param name="options">Per-call options: only <see cref="TaskOptions.TaskId"/>, the group's id (at most 100 characters).</param>
    /// <param name="cancellationToken">Cancels the sends.</param>
    /// <returns>A handle to the callback's result.</returns>
    /// <exception cref="TaskEnqueueException">The broker did not store a member.</exception>
    /// <exception cref="ArgumentException">An option a chord does not take, an id that is not valid, or a plan past its bounds (docs/protocol.md §13).</exception>
    /// <exception cref="NotSupportedException">This client cannot send chords (a fake client that does not implement it).</exception>
    ValueTask<TaskHandle<TResult>> SendChordAsync<TMember, TResult>(TaskChord<TMember, TResult> chord, TaskOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} cannot send chords; use the ITaskClient of AddTypedTasks(…).");

    /// <summary>
    /// Sends a batch (<c>TaskBatch.Of(calls).Then(Callback.Partial(…))</c>): every member as a normal task, with the id
    /// <c>&lt;batch id&gt;-&lt;index&gt;</c>, run in parallel by the workers; once every member has ended — succeeded, failed
    /// after its retries, dead-lettered or revoked — the worker that settles the last one sends the callback, exactly once,
    /// with a <see cref="BatchResult"/> (how many succeeded and failed, and which) as its first argument, under the id
    /// <c>&lt;batch id&gt;-callback</c>. Members may be tasks without a result (fire and forget). Returns once the broker has
    /// stored every member (docs/workflows.md). The handle yields the callback's result.
    /// </summary>
    /// <typeparam name="TResult">The callback's result type.</typeparam>
    /// <param name="batch">The batch and its callback.</param>
    /// <param name="options">Per-call options: only <see cref="TaskOptions.TaskId"/>, the batch's id (at most 100 characters).</param>
    /// <param name="cancellationToken">Cancels the sends.</param>
    /// <returns>A handle to the callback's result.</returns>
    /// <exception cref="TaskEnqueueException">The broker did not store a member.</exception>
    /// <exception cref="ArgumentException">An option a batch does not take, an id that is not valid, or a plan past its bounds (docs/protocol.md §13).</exception>
    /// <exception cref="NotSupportedException">This client cannot send batches (a fake client that does not implement it).</exception>
    ValueTask<TaskHandle<TResult>> SendBatchAsync<TResult>(TaskBatch<TResult> batch, TaskOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} cannot send batches; use the ITaskClient of AddTypedTasks(…).");

    /// <summary>A handle to a group sent earlier, possibly by another process, whose members all run <paramref name="task"/>.</summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="task">The members' task (any task returning <typeparamref name="TResult"/> reads their results).</param>
    /// <param name="groupId">The group's id.</param>
    /// <param name="count">How many members it has (its record's <see cref="TaskGroupInfo.Members"/>).</param>
    /// <returns>The handle.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not 1 to <see cref="TaskGroup.MaxMembers"/>.</exception>
    /// <exception cref="NotSupportedException">This client cannot make group handles.</exception>
    TaskGroupHandle<TResult> GetGroupHandle<TResult>(TaskDefinition<TResult> task, string groupId, int count)
        => throw new NotSupportedException($"{GetType().Name} cannot make group handles; use the ITaskClient of AddTypedTasks(…).");

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
