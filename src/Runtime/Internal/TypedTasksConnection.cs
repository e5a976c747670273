using Microsoft.Extensions.Options;

namespace TypedTasks.Internal;

/// <summary>Owns the NATS connection shared by the client and the worker of one process.</summary>
internal sealed class TypedTasksConnection : IAsyncDisposable
{
    public TypedTasksConnection(IOptions<TypedTasksOptions> options)
    {
        Options = options.Value;
    }

    public TypedTasksOptions Options { get; }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
