using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Generated;

namespace TypedTasks.Generator.Tests.Behaviour;

/// <summary>
/// An <see cref="ITaskClient"/> that records what the proxies send, as JSON. Handles come from the real client:
/// <see cref="TaskHandle"/> has no public constructor.
/// </summary>
internal sealed class CapturingTaskClient : ITaskClient
{
    private readonly ITaskClient _inner;

    public CapturingTaskClient()
    {
        var services = new ServiceCollection();
        services.AddTypedTasks();
        _inner = services.BuildServiceProvider().GetRequiredService<ITaskClient>();
    }

    public TaskDefinition? Task { get; private set; }

    public string? Json { get; private set; }

    public TaskOptions? Options { get; private set; }

    public CancellationToken CancellationToken { get; private set; }

    public ValueTask<TaskHandle> EnqueueAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        Capture(task, arguments, options, cancellationToken);
        return new(_inner.GetHandle(task, options?.TaskId ?? "id-1"));
    }

    public ValueTask<TaskHandle<TResult>> EnqueueAsync<TArguments, TResult>(TaskDefinition<TResult> task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        Capture(task, arguments, options, cancellationToken);
        return new(_inner.GetHandle(task, options?.TaskId ?? "id-1"));
    }

    public TaskHandle GetHandle(TaskDefinition task, string id) => _inner.GetHandle(task, id);

    public TaskHandle<TResult> GetHandle<TResult>(TaskDefinition<TResult> task, string id) => _inner.GetHandle(task, id);

    private void Capture<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options, CancellationToken cancellationToken)
        where TArguments : ITaskArguments
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            arguments.WriteTo(writer);
        }

        Task = task;
        Json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Options = options;
        CancellationToken = cancellationToken;
    }
}
