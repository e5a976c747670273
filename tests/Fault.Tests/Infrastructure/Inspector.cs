using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>What the broker holds for a queue: the consumer's view (authoritative) and the stream's message count
/// (which nats-server 2.9.10 sometimes leaves above zero after a crash, below the ack floor).</summary>
public sealed record QueueState(ulong NumPending, long NumAckPending, ulong StreamMessages, ulong AckFloor, ulong LastSequence)
{
    public bool Drained => NumPending == 0 && NumAckPending == 0;

    public override string ToString()
        => $"consumer pending {NumPending}, ack pending {NumAckPending}, ack floor {AckFloor}; stream messages {StreamMessages}, last seq {LastSequence}";
}

/// <summary>A task's record as stored in the results bucket: its state, attempt, and when the server stored it.</summary>
public sealed record StoredRecord(string State, int Attempts, DateTimeOffset StoredAt, DateTimeOffset? CompletedAt)
{
    public bool IsFinal => State is "SUCCESS" or "FAILURE" or "REVOKED";
}

/// <summary>
/// Reads the broker with plain NATS.Net, outside the system under test: consumer and stream info of the task queue,
/// records in the results bucket, stream leaders on a cluster. Names follow docs/protocol.md.
/// </summary>
public sealed class Inspector : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly NatsJSContext _js;
    private readonly string _upper;
    private readonly string _lower;

    public Inspector(string url, string prefix)
    {
        _connection = new NatsConnection(new NatsOpts { Url = url, Name = "fault-inspector" });
        _js = new NatsJSContext(_connection);
        _upper = prefix.ToUpperInvariant();
        _lower = prefix.ToLowerInvariant();
    }

    public string TasksStream => _upper + "_TASKS";

    public string ResultsBucket => _upper + "_RESULTS";

    public string Consumer => _lower + "_default";

    public async Task<QueueState> QueueAsync(CancellationToken cancellationToken)
    {
        var consumer = await _js.GetConsumerAsync(TasksStream, Consumer, cancellationToken);
        var stream = await _js.GetStreamAsync(TasksStream, cancellationToken: cancellationToken);
        return new QueueState(consumer.Info.NumPending, consumer.Info.NumAckPending, (ulong)stream.Info.State.Messages, consumer.Info.AckFloor.StreamSeq, stream.Info.State.LastSeq);
    }

    /// <summary>Waits until the consumer has nothing pending and nothing unacknowledged; returns the last state seen.</summary>
    public async Task<QueueState> WaitDrainedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        QueueState? last = null;
        await Until.TrueAsync(
            async () =>
            {
                try
                {
                    last = await QueueAsync(cancellationToken);
                    return last.Drained;
                }
                catch (Exception ex) when (Transient(ex, cancellationToken))
                {
                    return false; // a cluster electing a leader
                }
            },
            timeout,
            () => $"queue not drained: {last}",
            cancellationToken);
        return last!;
    }

    /// <summary>The records of <paramref name="ids"/> (absent ids are left out); retried while the bucket has no leader.</summary>
    public Task<Dictionary<string, StoredRecord>> RecordsAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
        => RetryAsync(() => ReadRecordsAsync(ids, cancellationToken), cancellationToken);

    /// <summary>
    /// Runs a read again while the broker cannot answer (a cluster electing a leader, a connection reconnecting), for
    /// up to a minute; the last error is thrown after that.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await read();
            }
            catch (Exception ex) when (Transient(ex, cancellationToken) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }
    }

    /// <summary>Whether an error of a read means "not now" rather than "wrong".</summary>
    public static bool Transient(Exception ex, CancellationToken cancellationToken)
        => ex is NatsException or TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private async Task<Dictionary<string, StoredRecord>> ReadRecordsAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var kv = new NatsKVContext(_js);
        var store = await kv.GetStoreAsync(ResultsBucket, cancellationToken);
        var records = new Dictionary<string, StoredRecord>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            try
            {
                var entry = await store.GetEntryAsync<byte[]>(id, cancellationToken: cancellationToken);
                if (entry.Value is null)
                {
                    continue;
                }

                using var json = JsonDocument.Parse(entry.Value);
                var root = json.RootElement;
                var state = root.TryGetProperty("state", out var s) ? s.GetString() ?? "?" : "?";
                var attempts = root.TryGetProperty("attempts", out var a) && a.TryGetInt32(out var n) ? n : 0;
                DateTimeOffset? completedAt = root.TryGetProperty("completedAt", out var c) && c.TryGetDateTimeOffset(out var t) ? t : null;
                records[id] = new StoredRecord(state, attempts, entry.Created, completedAt);
            }
            catch (NatsKVKeyNotFoundException)
            {
            }
            catch (NatsKVKeyDeletedException)
            {
            }
        }

        return records;
    }

    /// <summary>The name of the server leading <paramref name="stream"/> (a cluster), or null while there is none.</summary>
    public async Task<string?> StreamLeaderAsync(string stream, CancellationToken cancellationToken)
    {
        var info = await _js.GetStreamAsync(stream, cancellationToken: cancellationToken);
        return info.Info.Cluster?.Leader;
    }

    /// <summary>The stream's replica count as configured.</summary>
    public async Task<int> StreamReplicasAsync(string stream, CancellationToken cancellationToken)
    {
        var info = await _js.GetStreamAsync(stream, cancellationToken: cancellationToken);
        return info.Info.Config.NumReplicas;
    }

    /// <summary>Every stream of this prefix (KV buckets are streams <c>KV_…</c>) with its replica count, e.g. <c>F1_TASKS R3</c>.</summary>
    public Task<string> ReplicasOfAllAsync(CancellationToken cancellationToken)
        => RetryAsync(() => ReadReplicasOfAllAsync(cancellationToken), cancellationToken);

    private async Task<string> ReadReplicasOfAllAsync(CancellationToken cancellationToken)
    {
        var streams = new List<string>();
        await foreach (var stream in _js.ListStreamsAsync(cancellationToken: cancellationToken))
        {
            var name = stream.Info.Config.Name ?? "?";
            if (name.StartsWith(_upper + "_", StringComparison.Ordinal) || name.StartsWith("KV_" + _upper + "_", StringComparison.Ordinal))
            {
                streams.Add($"{name} R{stream.Info.Config.NumReplicas}");
            }
        }

        return string.Join(", ", streams.Distinct().Order(StringComparer.Ordinal));
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
