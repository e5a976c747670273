using System.Runtime.CompilerServices;
using System.Text.Json;
using NATS.Client.Core;
using TypedTasks.Protocol;

namespace TypedTasks;

/// <summary>A subscription to task events (<see cref="ITaskEvents.SubscribeAsync"/>). Dispose it to unsubscribe.</summary>
public sealed class TaskEventFeed : IAsyncDisposable
{
    private readonly INatsSub<ReadOnlyMemory<byte>>? _subscription;
    private readonly IReadOnlyCollection<TaskEventKind>? _kinds;

    internal TaskEventFeed(INatsSub<ReadOnlyMemory<byte>>? subscription, IReadOnlyCollection<TaskEventKind>? kinds)
    {
        _subscription = subscription;
        _kinds = kinds is { Count: > 0 } ? kinds : null;
    }

    /// <summary>The events as they arrive, in the order each publisher sent them, until the feed is disposed or
    /// <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Ends the reading (the subscription stays until the feed is disposed).</param>
    /// <returns>The events.</returns>
    public async IAsyncEnumerable<TaskEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_subscription is null)
        {
            yield break;
        }

        await foreach (var message in _subscription.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            TaskEvent? taskEvent;
            try
            {
                taskEvent = JsonSerializer.Deserialize(message.Data.Span, TaskEventJson.Default.TaskEvent);
            }
            catch (JsonException)
            {
                continue; // not an event this version can read: readers skip what they do not understand
            }

            if (taskEvent is not null && (_kinds is null || _kinds.Contains(taskEvent.Kind)))
            {
                yield return taskEvent;
            }
        }
    }

    /// <summary>Unsubscribes.</summary>
    /// <returns>A task that completes when the subscription is gone.</returns>
    public ValueTask DisposeAsync() => _subscription?.DisposeAsync() ?? default;
}
