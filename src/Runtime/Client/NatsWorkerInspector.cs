using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks;

/// <summary>Reads the workers' heartbeats from the workers bucket.</summary>
internal sealed class NatsWorkerInspector : IWorkerInspector
{
    private readonly TypedTasksConnection _connection;

    public NatsWorkerInspector(TypedTasksConnection connection) => _connection = connection;

    public async ValueTask<IReadOnlyList<WorkerInfo>> ListAsync(WorkerListing which = WorkerListing.Alive, CancellationToken cancellationToken = default)
    {
        await _connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var store = await _connection.KeyValue.GetStoreAsync(_connection.Names.WorkersBucket, cancellationToken).ConfigureAwait(false);
        var workers = new List<WorkerInfo>();
        var now = DateTimeOffset.UtcNow;
        await foreach (var entry in store.WatchAsync(">", NatsRawSerializer<ReadOnlyMemory<byte>>.Default, new NatsKVWatchOpts { IgnoreDeletes = true, OnNoData = static _ => new ValueTask<bool>(true) }, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Value.Length > 0
                && JsonSerializer.Deserialize(entry.Value.Span, WorkerInfoJson.Default.WorkerInfo) is { } worker
                && (which == WorkerListing.AliveAndLost || worker.IsAliveAt(now)))
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

    public async ValueTask<IReadOnlyList<WorkerInfo>> PingAsync(TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        RequireInboxReplies();
        var workers = new List<WorkerInfo>();
        var opts = new NatsSubOpts { Timeout = wait ?? TimeSpan.FromSeconds(1) };
        await using var answers = _connection.Nats.RequestManyAsync(_connection.Names.ControlAll, Ping, requestSerializer: Raw, replySerializer: Raw, replyOpts: opts, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (await answers.MoveNextAsync().ConfigureAwait(false))
            {
                if (Parse(answers.Current.Data) is { } worker)
                {
                    workers.Add(worker);
                }
            }
        }
        catch (NatsNoRespondersException)
        {
            // No worker listens: none to list.
        }

        workers.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return workers;
    }

    public async ValueTask<bool> ShutdownAsync(string workerId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        RequireInboxReplies();
        ReadOnlyMemory<byte> answer;
        try
        {
            answer = (await _connection.Nats.RequestAsync(_connection.Names.ControlSubject(workerId), Shutdown, requestSerializer: Raw, replySerializer: Raw, cancellationToken: cancellationToken).ConfigureAwait(false)).Data;
        }
        catch (NatsNoRespondersException)
        {
            return false;
        }

        if (answer.Span.SequenceEqual(ControlProtocol.Stopping))
        {
            return true;
        }

        var refused = Encoding.UTF8.GetBytes(ControlProtocol.RefusedPrefix);
        if (answer.Span.StartsWith(refused))
        {
            // The worker's words, bounded as anything from the wire.
            throw new RemoteControlRefusedException(workerId, "shutdown", WireText.Bound(Encoding.UTF8.GetString(answer.Span[refused.Length..])));
        }

        return false;
    }

    /// <summary>A ping answer, or null for one that is not a worker's state (anyone allowed to answer can send anything).</summary>
    private static WorkerInfo? Parse(ReadOnlyMemory<byte> answer)
    {
        try
        {
            return answer.Length > 0 ? JsonSerializer.Deserialize(answer.Span, WorkerInfoJson.Default.WorkerInfo) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Workers answer only on inboxes (<see cref="ControlProtocol.IsReplySubject"/>): say so rather than wait in vain.</summary>
    private void RequireInboxReplies()
    {
        var prefix = _connection.Options.InboxPrefix;
        if (!string.IsNullOrEmpty(prefix) && !ControlProtocol.IsReplySubject(prefix + ".x"))
        {
            throw new TypedTasksException($"TypedTasks:InboxPrefix '{prefix}' does not start with _INBOX: workers answer remote control only on inboxes (_INBOX.… or _INBOX_<name>.…). Use e.g. _INBOX_operator.");
        }
    }

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private static readonly ReadOnlyMemory<byte> Ping = "ping"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Shutdown = "shutdown"u8.ToArray();
}
