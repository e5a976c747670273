using NATS.Client.Core;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Telemetry;
using TypedTasks.Topology;

namespace TypedTasks;

/// <summary>Subscribes to task events on core NATS.</summary>
internal sealed class NatsTaskEvents : ITaskEvents
{
    private readonly TypedTasksConnection _connection;

    public NatsTaskEvents(TypedTasksConnection connection) => _connection = connection;

    public async ValueTask<TaskEventFeed> SubscribeAsync(IReadOnlyCollection<TaskEventKind>? kinds = null, CancellationToken cancellationToken = default)
    {
        var subject = kinds is { Count: 1 }
            ? _connection.Names.TaskEventsPrefix + TaskEventPublisher.Subject(kinds.First())
            : _connection.Names.TaskEventsPrefix + "*";
        var subscription = await _connection.Nats.SubscribeCoreAsync(subject, serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken).ConfigureAwait(false);
        // A round trip: the server has processed the SUB before this returns.
        await _connection.Nats.PingAsync(cancellationToken).ConfigureAwait(false);
        return new TaskEventFeed(subscription, kinds);
    }
}
