using System.Globalization;
using TypedTasks.Protocol;
using TypedTasks.Semantics;
using TypedTasks.Topology;

namespace TypedTasks.Client;

/// <summary>A periodic schedule run once now.</summary>
/// <param name="Schedule">The schedule's record as read.</param>
/// <param name="TaskId">The id of the task sent; null when the schedule is removed (nothing was sent).</param>
internal sealed record ScheduleRunNow(ScheduleRecord Schedule, string? TaskId);

/// <summary>Periodic schedules: <c>tt schedules run</c> and the dashboard's "Run now" (removing is <see cref="IPeriodicSchedules.RemoveAsync"/>, for both).</summary>
internal static partial class DeploymentActions
{
    /// <summary>The record of schedule <paramref name="name"/>; null when there is none (or no schedules bucket yet,
    /// which this never creates).</summary>
    /// <exception cref="ArgumentException">The name is not a schedule name.</exception>
    public static async Task<ScheduleRecord?> ReadScheduleAsync(TypedTasksConnection connection, string name, CancellationToken cancellationToken)
    {
        if (!PeriodicSyntax.IsValidName(name))
        {
            throw new ArgumentException($"The schedule name \"{name}\" is not valid: {PeriodicSyntax.NameFix}.");
        }

        if (!await connection.StreamExistsAsync("KV_" + connection.Names.SchedulesBucket, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var store = await connection.KeyValue.GetStoreAsync(connection.Names.SchedulesBucket, cancellationToken).ConfigureAwait(false);
        return (await SchedulesBucket.ReadAsync(store, name, cancellationToken).ConfigureAwait(false)).Record;
    }

    /// <summary>
    /// Sends schedule <paramref name="name"/>'s task call once now through <paramref name="client"/>'s normal send path
    /// (a new task id, events), to the schedule's queue with its arguments and, when the task has one,
    /// its <c>Expires</c> counted from now. The schedule's record is not written: its last occurrence, and so its next one,
    /// stay as they were. A removed schedule is not run.
    /// </summary>
    /// <returns>The record and the task id; null when there is no such schedule.</returns>
    /// <exception cref="ArgumentException">The name is not a schedule name.</exception>
    public static async Task<ScheduleRunNow?> RunScheduleNowAsync(TypedTasksConnection connection, ITaskClient client, string name, CancellationToken cancellationToken)
    {
        if (await ReadScheduleAsync(connection, name, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return null;
        }

        if (record.Removed)
        {
            return new ScheduleRunNow(record, null);
        }

        // The client only sends: a worker runs the task by its own definition of the name and stores its outcome if that
        // definition keeps results. Nobody here waits for the result, so no reply subject: the operator role may not
        // subscribe to result notifications (docs/security/nats-server.conf). The PENDING record is written as for any send.
        var task = new TaskDefinition(record.Task, static _ => throw new InvalidOperationException("A schedule run from tt or the dashboard is only sent here."))
        {
            Queue = record.Queue,
            Expires = record.Expires is { } expires && TimeSpan.TryParse(expires, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : null,
        };
        var arguments = new RawTaskArguments(record.Arguments is { } json ? System.Text.Encoding.UTF8.GetBytes(json.GetRawText()) : "{}"u8.ToArray());
        var id = client is TaskClient nats
            ? await nats.SendWithoutNotificationAsync(task, arguments, null, cancellationToken).ConfigureAwait(false)
            : (await client.EnqueueAsync(task, arguments, cancellationToken: cancellationToken).ConfigureAwait(false)).Id;
        return new ScheduleRunNow(record, id);
    }
}
