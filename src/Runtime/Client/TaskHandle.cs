using System.Text.Json;
using TypedTasks.Backend;

namespace TypedTasks;

/// <summary>
/// A sent task: its id, and its state in the result backend (Celery's <c>AsyncResult</c>).
/// </summary>
public class TaskHandle
{
    private protected readonly ResultBackend? _store;
    private protected readonly bool _local;

    /// <summary>
    /// Creates a handle that is not connected to a result backend, e.g. for a fake <see cref="ITaskClient"/> in
    /// unit tests. Its status and result methods throw <see cref="ResultBackendNotConfiguredException"/>.
    /// </summary>
    /// <param name="id">The task id.</param>
    /// <param name="taskName">The task name.</param>
    public TaskHandle(string id, string taskName)
        : this(null, id, taskName, local: false)
    {
    }

    internal TaskHandle(ResultBackend? store, string id, string taskName, bool local)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(taskName);
        _store = store;
        Id = id;
        TaskName = taskName;
        _local = local;
    }

    /// <summary>The task id. Keep it to ask for the task's state later, from any process.</summary>
    public string Id { get; }

    /// <summary>The task name.</summary>
    public string TaskName { get; }

    /// <summary>The task's state; <see cref="TaskState.Pending"/> when the backend has no record.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The state.</returns>
    /// <exception cref="ResultBackendNotConfiguredException">No result backend is configured.</exception>
    public async ValueTask<TaskState> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var record = await GetRecordAsync(cancellationToken).ConfigureAwait(false);
        return record?.State ?? TaskState.Pending;
    }

    /// <summary>The task's record in the result backend: state, attempts, times, error; <see langword="null"/> when there is none.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The record or <see langword="null"/>.</returns>
    /// <exception cref="ResultBackendNotConfiguredException">No result backend is configured.</exception>
    public ValueTask<TaskResultRecord?> GetRecordAsync(CancellationToken cancellationToken = default)
        => Store.GetAsync(Id, cancellationToken);

    /// <summary>Waits until the task has succeeded, however long it takes. Wakes as soon as the result is stored; does not poll.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the task has succeeded.</returns>
    /// <exception cref="TaskFailedException">The task failed; carries the remote exception.</exception>
    public Task WaitAsync(CancellationToken cancellationToken = default)
        => WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Waits until the task has succeeded. Wakes as soon as the result is stored; does not poll.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the task has succeeded.</returns>
    /// <exception cref="TaskFailedException">The task failed; carries the remote exception.</exception>
    /// <exception cref="TimeoutException">No final state within <paramref name="timeout"/>.</exception>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => await WaitForSuccessAsync(timeout, cancellationToken).ConfigureAwait(false);

    /// <summary>Removes the task's record from the result backend.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the record is removed.</returns>
    public ValueTask ForgetAsync(CancellationToken cancellationToken = default) => Store.ForgetAsync(Id, cancellationToken);

    /// <summary>
    /// Revokes the task (Celery's <c>revoke</c>): a worker that receives it does not run it, on every worker and
    /// after restarts, for <see cref="TypedTasksOptions.RevocationExpiry"/>. With <see cref="RevokeMode.Terminate"/>, a
    /// running attempt's cancellation token is cancelled too. The state becomes REVOKED unless the task finished.
    /// </summary>
    /// <param name="mode">Whether to also cancel the task if it is running. Default <see cref="RevokeMode.Revoke"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the revocation is stored.</returns>
    public ValueTask RevokeAsync(RevokeMode mode = RevokeMode.Revoke, CancellationToken cancellationToken = default)
        => (_store ?? throw new InvalidOperationException("This handle is not connected to a task client.")).RevokeAsync(Id, TaskName, mode == RevokeMode.Terminate, cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => $"{TaskName}[{Id}]";

    private protected ResultBackend Store => _store ?? throw new ResultBackendNotConfiguredException();

    private protected async Task<TaskResultRecord> WaitForSuccessAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var record = await Store.WaitForFinalAsync(Id, _local, timeout, cancellationToken).ConfigureAwait(false);
        return record.State switch
        {
            TaskState.Success => record,
            TaskState.Failure => throw record.ToException(),
            _ => throw new TaskRevokedException(record.Error?.Message ?? "The task was revoked."),
        };
    }
}

/// <summary>A sent task that returns a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The task's result type.</typeparam>
public sealed class TaskHandle<TResult> : TaskHandle
{
    private readonly TaskDefinition<TResult> _task;

    /// <summary>
    /// Creates a handle that is not connected to a result backend, e.g. for a fake <see cref="ITaskClient"/> in
    /// unit tests. Its status and result methods throw <see cref="ResultBackendNotConfiguredException"/>.
    /// </summary>
    /// <param name="id">The task id.</param>
    /// <param name="task">The task.</param>
    public TaskHandle(string id, TaskDefinition<TResult> task)
        : this(null, id, task, local: false)
    {
    }

    internal TaskHandle(ResultBackend? store, string id, TaskDefinition<TResult> task, bool local, string? taskName = null)
        : base(store, id, taskName ?? (task ?? throw new ArgumentNullException(nameof(task))).Name, local)
    {
        _task = task;
    }

    /// <summary>Waits for the task's result, however long it takes. Wakes as soon as the result is stored; does not poll.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The task's return value.</returns>
    /// <exception cref="TaskFailedException">The task failed; carries the remote exception.</exception>
    public Task<TResult> GetAsync(CancellationToken cancellationToken = default)
        => GetAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Waits for the task's result. Wakes as soon as the result is stored; does not poll.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The task's return value.</returns>
    /// <exception cref="TaskFailedException">The task failed; carries the remote exception.</exception>
    /// <exception cref="TimeoutException">No final state within <paramref name="timeout"/>.</exception>
    public async Task<TResult> GetAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var record = await WaitForSuccessAsync(timeout, cancellationToken).ConfigureAwait(false);
        return record.GetResult(_task.ResultTypeInfo);
    }

    /// <summary>The result if the task has succeeded; <see langword="default"/> and <see langword="false"/> otherwise.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Whether the task succeeded, and its result.</returns>
    public async ValueTask<(bool Succeeded, TResult? Result)> TryGetResultAsync(CancellationToken cancellationToken = default)
    {
        var record = await GetRecordAsync(cancellationToken).ConfigureAwait(false);
        return record is { State: TaskState.Success } ? (true, record.GetResult(_task.ResultTypeInfo)) : (false, default);
    }
}
