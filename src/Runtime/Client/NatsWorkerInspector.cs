using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Internal;
using TypedTasks.Serialization;

namespace TypedTasks;

/// <summary>Reads the workers' heartbeats from the workers bucket.</summary>
internal sealed class NatsWorkerInspector : IWorkerInspector
{
    private readonly TypedTasksConnection _connection;

    public NatsWorkerInspector(TypedTasksConnection connection) => _connection = connection;

    public async ValueTask<IReadOnlyList<WorkerInfo>> ListAsync(bool includeLost = false, CancellationToken cancellationToken = default)
    {
        await _connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var store = await _connection.KeyValue.GetStoreAsync(_connection.Names.WorkersBucket, cancellationToken).ConfigureAwait(false);
        var workers = new List<WorkerInfo>();
        var now = DateTimeOffset.UtcNow;
        await foreach (var entry in store.WatchAsync(">", NatsRawSerializer<ReadOnlyMemory<byte>>.Default, new NatsKVWatchOpts { IgnoreDeletes = true, OnNoData = static _ => new ValueTask<bool>(true) }, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Value.Length > 0
                && JsonSerializer.Deserialize(entry.Value.Span, WorkerInfoJson.Default.WorkerInfo) is { } worker
                && (includeLost || worker.IsAliveAt(now)))
            {
                workers.Add(worker);
            }

            if (entry.Delta == 0)
            {
                break;
            }
        }

        workers.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return workers;
    }
}
