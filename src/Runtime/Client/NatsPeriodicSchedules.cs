using System.Globalization;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Protocol;
using TypedTasks.Semantics;
using TypedTasks.Topology;

namespace TypedTasks.Client;

/// <summary>Writes schedule definitions and removals into the schedules bucket by compare-and-set.</summary>
internal sealed class NatsPeriodicSchedules(TypedTasksConnection connection, TimeProvider? time = null) : IPeriodicSchedules
{
    private const int Attempts = 5;
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = SchedulesBucket.Raw;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly string _client = "client " + Environment.MachineName + "/" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public async ValueTask<ulong> SetAsync(PeriodicSchedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var store = await connection.GetSchedulesStoreAsync(cancellationToken).ConfigureAwait(false);
        var described = ScheduleDefinition.Describe(schedule, ScheduleRecord.FromApi);
        var now = _time.GetUtcNow();
        var written = await SchedulesBucket.DefineAsync(store, described, now, definedAtWhenNew: now, _client, onlyIfChanged: false, cancellationToken).ConfigureAwait(false);
        return written!.Value.Revision;
    }

    public async ValueTask<ulong?> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!PeriodicSyntax.IsValidName(name))
        {
            throw new ArgumentException($"The schedule name \"{name}\" is not valid: {PeriodicSyntax.NameFix}.", nameof(name));
        }

        var store = await connection.GetSchedulesStoreAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var (record, revision, _) = await SchedulesBucket.ReadAsync(store, name, cancellationToken).ConfigureAwait(false);
            if (record is null || record.Removed)
            {
                return null;
            }

            var removed = record with { Removed = true, DefinedAt = _time.GetUtcNow(), DefinedBy = _client };
            try
            {
                return await store.UpdateAsync(name, (ReadOnlyMemory<byte>)removed.ToBytes(), revision, Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (NatsKVWrongLastRevisionException)
            {
                // A worker recorded an occurrence in between: read again.
            }
        }

        throw new TypedTasksException($"The record of schedule '{name}' changed {Attempts} times while it was being removed; try again.");
    }
}
