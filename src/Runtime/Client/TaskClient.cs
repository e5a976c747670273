using TypedTasks.Dispatching;
using TypedTasks.Internal;

namespace TypedTasks;

/// <summary>Sends tasks to the NATS JetStream broker.</summary>
internal sealed class TaskClient : ITaskClient
{
    private readonly TypedTasksConnection _connection;

    public TaskClient(TypedTasksConnection connection)
    {
        _connection = connection;
    }

    public ValueTask<TaskHandle> EnqueueAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
        => throw new NotImplementedException();

    public ValueTask<TaskHandle<TResult>> EnqueueAsync<TArguments, TResult>(TaskDefinition<TResult> task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
        => throw new NotImplementedException();

    public TaskHandle GetHandle(TaskDefinition task, string id) => new(null, id, task.Name, local: false);

    public TaskHandle<TResult> GetHandle<TResult>(TaskDefinition<TResult> task, string id) => new(null, id, task, local: false);
}
