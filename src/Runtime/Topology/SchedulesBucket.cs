using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Protocol;

namespace TypedTasks.Topology;

/// <summary>Reading a key of the schedules bucket, for the schedulers and <see cref="IPeriodicSchedules"/> alike.</summary>
internal static class SchedulesBucket
{
    public static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>Reads a key: its record (null when missing, deleted or not a record), its revision (the one to
    /// compare-and-set on), and whether the key exists (deleted keys do: their delete marker has a revision).</summary>
    public static async Task<(ScheduleRecord? Record, ulong Revision, bool Exists)> ReadAsync(INatsKVStore store, string key, CancellationToken cancellationToken)
    {
        var result = await store.TryGetEntryAsync(key, serializer: Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.Success)
        {
            return (ScheduleRecord.Read(result.Value.Value.Span), result.Value.Revision, true);
        }

        return result.Error is NatsKVKeyDeletedException deleted ? (null, deleted.Revision, true) : (null, 0, false);
    }
}
