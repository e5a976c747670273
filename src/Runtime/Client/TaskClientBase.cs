using TypedTasks.Backend;
using TypedTasks.Generated;

namespace TypedTasks;

/// <summary>What every <see cref="ITaskClient"/> shares: handles over its result store around its own way of sending.</summary>
internal abstract class TaskClientBase : ITaskClient
{
    private readonly ResultBackend _results;

    protected TaskClientBase(ResultBackend results) => _results = results;

    public async ValueTask<TaskHandle> EnqueueAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        var id = await SendAsync(task, arguments, options, cancellationToken).ConfigureAwait(false);
        return new TaskHandle(_results, id, task.Name, local: true);
    }

    public async ValueTask<TaskHandle<TResult>> EnqueueAsync<TArguments, TResult>(TaskDefinition<TResult> task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        var id = await SendAsync(task, arguments, options, cancellationToken).ConfigureAwait(false);
        return new TaskHandle<TResult>(_results, id, task, local: true);
    }

    public TaskHandle GetHandle(TaskDefinition task, string id)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(id);
        return new TaskHandle(_results, id, task.Name, local: false);
    }

    public TaskHandle<TResult> GetHandle<TResult>(TaskDefinition<TResult> task, string id)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(id);
        return new TaskHandle<TResult>(_results, id, task, local: false);
    }

    /// <summary>Sends (or, eagerly, runs) the task and returns its id.</summary>
    protected abstract ValueTask<string> SendAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options, CancellationToken cancellationToken)
        where TArguments : ITaskArguments;
}
