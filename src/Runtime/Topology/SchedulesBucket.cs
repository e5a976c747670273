using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Protocol;

namespace TypedTasks.Topology;

/// <summary>Reading a key of the schedules bucket and writing a definition, for the schedulers and <see cref="IPeriodicSchedules"/> alike.</summary>
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

    /// <summary>
    /// Writes the definition <paramref name="described"/> under its name by compare-and-set, keeping the record's last
    /// occurrence (and its <c>since</c>, unless it was removed: a schedule new or back starts now). With
    /// <paramref name="onlyIfChanged"/>, a record with the same definition is left as it is (null is returned). Returns the
    /// revision written and the record it replaced.
    /// </summary>
    /// <param name="store">The schedules bucket.</param>
    /// <param name="described">The definition (bookkeeping fields empty).</param>
    /// <param name="now">When it is written.</param>
    /// <param name="definedAtWhenNew">The <c>definedAt</c> of a record written where there was none.</param>
    /// <param name="definedBy">Who writes it.</param>
    /// <param name="onlyIfChanged">Leave a record with the same definition as it is.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    public static async Task<(ulong Revision, ScheduleRecord? Replaced)?> DefineAsync(INatsKVStore store, ScheduleRecord described, DateTimeOffset now, DateTimeOffset? definedAtWhenNew, string definedBy, bool onlyIfChanged, CancellationToken cancellationToken)
    {
        const int Attempts = 5;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var (record, revision, exists) = await ReadAsync(store, described.Name, cancellationToken).ConfigureAwait(false);
            if (onlyIfChanged && record is not null && record.SameDefinition(described))
            {
                return null;
            }

            var written = described with
            {
                Since = record is null || record.Removed ? now : record.Since,
                LastOccurrence = record?.LastOccurrence,
                LastSentAt = record?.LastSentAt,
                SentBy = record?.SentBy,
                DefinedAt = record is null ? definedAtWhenNew : now,
                DefinedBy = definedBy,
            };
            try
            {
                var bytes = (ReadOnlyMemory<byte>)written.ToBytes();
                var stored = exists
                    ? await store.UpdateAsync(described.Name, bytes, revision, Raw, cancellationToken: cancellationToken).ConfigureAwait(false)
                    : await store.CreateAsync(described.Name, bytes, Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
                return (stored, record);
            }
            catch (Exception ex) when (ex is NatsKVWrongLastRevisionException or NatsKVCreateException)
            {
                // Another writer (a worker recording an occurrence, another start-up) wrote in between: read again.
            }
        }

        throw new TypedTasksException($"The record of schedule '{described.Name}' changed {Attempts} times while it was being written; try again.");
    }
}
