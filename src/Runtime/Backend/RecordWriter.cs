using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Protocol;

namespace TypedTasks.Backend;

/// <summary>
/// The one rule every write of a result record follows: a final record (SUCCESS, FAILURE, REVOKED) is written once
/// and never replaced. Built on create-new-key and compare-and-set, which are safe on replicated buckets where a
/// plain update is not (NATS-NOTES).
/// </summary>
internal static class RecordWriter
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>
    /// Writes <paramref name="bytes"/> unless the key holds a final record. Tries the known revision first (one
    /// compare-and-set), else creates the key; when the key has moved on, reads it: a final record stays, anything
    /// else is replaced by compare-and-set on what was read.
    /// </summary>
    /// <returns>The new revision when written; otherwise <see langword="null"/> and the final record that stays.</returns>
    public static async ValueTask<(ulong? Revision, ReadOnlyMemory<byte> Final)> WriteUnlessFinalAsync(
        INatsKVStore store, string key, ReadOnlyMemory<byte> bytes, ulong? knownRevision, CancellationToken cancellationToken)
    {
        if (knownRevision is { } revision)
        {
            var updated = await store.TryUpdateAsync(key, bytes, revision, Raw, cancellationToken).ConfigureAwait(false);
            if (updated.Success)
            {
                return (updated.Value, default);
            }
        }

        // A few rounds: another writer may move the key between our read and our compare-and-set.
        for (var round = 0; round < 5; round++)
        {
            var created = await store.TryCreateAsync(key, bytes, Raw, cancellationToken).ConfigureAwait(false);
            if (created.Success)
            {
                return (created.Value, default);
            }

            if (created.Error is not NatsKVCreateException)
            {
                throw created.Error;
            }

            var existing = await store.TryGetEntryAsync(key, serializer: Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!existing.Success)
            {
                continue; // deleted in between: create again
            }

            if (!existing.Value.Value.IsEmpty && ResultRecordSerializer.Read(existing.Value.Value).State.IsFinal())
            {
                return (null, existing.Value.Value);
            }

            var replaced = await store.TryUpdateAsync(key, bytes, existing.Value.Revision, Raw, cancellationToken).ConfigureAwait(false);
            if (replaced.Success)
            {
                return (replaced.Value, default);
            }
        }

        throw new TypedTasksException($"Could not store the record of task {key}: other writers kept changing it.");
    }
}
