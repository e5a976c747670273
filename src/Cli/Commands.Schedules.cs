using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Client;
using TypedTasks.Protocol;

namespace TypedTasks.Cli;

/// <summary>The periodic schedules: <c>tt schedules</c>, <c>tt schedule remove</c>, <c>tt schedule run</c>.</summary>
internal sealed partial class Commands
{
    /// <summary>The periodic schedules recorded in the schedules bucket, with their last and next occurrence: the read the
    /// dashboard's periodic page makes (<see cref="DeploymentQueries.ReadPeriodicSchedulesAsync"/>, at most 500).</summary>
    public async Task<int> SchedulesAsync(CancellationToken cancellationToken)
    {
        var connection = Connection;
        var view = await DeploymentQueries.ReadPeriodicSchedulesAsync(connection, DeploymentQueries.MaxPageSize, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        var records = view.Schedules;
        if (json)
        {
            return await WriteJsonAsync(records.Select(r => new { schedule = JsonDocument.Parse(r.Record.ToBytes()).RootElement, next = r.Next })).ConfigureAwait(false);
        }

        if (records.Count == 0)
        {
            await output.WriteLineAsync($"no schedules (no worker with periodic tasks has run on prefix '{connection.Options.Prefix}')").ConfigureAwait(false);
            return 0;
        }

        var now = DateTimeOffset.UtcNow;
        var rows = new List<string[]> { new[] { "SCHEDULE", "TASK", "QUEUE", "WHEN", "LAST", "NEXT" } };
        rows.AddRange(records.Select(r => new[]
        {
            r.Record.Name,
            r.Record.Task,
            r.Record.Queue,
            r.Record.Cron is { } cron ? $"{cron} ({r.Record.TimeZone})" : "every " + r.Record.Every,
            r.Record.LastOccurrence is { } last ? $"{last.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} ({Ago(now - last)})" : "never",
            r.Record.Removed ? "removed" : r.Next is { } next ? $"{next.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} (in {Span(next - now)})" : "none",
        }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        if (view.More)
        {
            await output.WriteLineAsync($"only the first {DeploymentQueries.MaxPageSize} schedules of the bucket are listed").ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Removes a schedule in every running worker (<see cref="IPeriodicSchedules.RemoveAsync"/>).</summary>
    public async Task<int> ScheduleRemoveAsync(string name, CancellationToken cancellationToken)
    {
        var schedules = services.GetRequiredService<IPeriodicSchedules>();
        var record = await DeploymentActions.ReadScheduleAsync(Connection, name, cancellationToken).ConfigureAwait(false);
        if (record is { Removed: false } && await schedules.RemoveAsync(name, cancellationToken).ConfigureAwait(false) is { } revision)
        {
            await output.WriteLineAsync($"removed schedule '{name}' (record revision {revision}); running workers stop sending it").ConfigureAwait(false);
            if (record.Source is null or ScheduleRecord.FromCode)
            {
                // docs/periodic.md: a worker declaring it writes the code's definition back when it starts.
                await output.WriteLineAsync("note: a worker's code declares it ([Periodic] or AddPeriodic): a worker with that code brings it back when it starts; remove it from the code as well").ConfigureAwait(false);
            }

            return 0;
        }

        await output.WriteLineAsync($"no schedule '{name}' (or it is removed already)").ConfigureAwait(false);
        return 1;
    }

    /// <summary>Sends a schedule's task once now (<see cref="DeploymentActions.RunScheduleNowAsync"/>, as the dashboard's "Run now").</summary>
    public async Task<int> ScheduleRunAsync(string name, CancellationToken cancellationToken)
    {
        var run = await DeploymentActions.RunScheduleNowAsync(Connection, services.GetRequiredService<ITaskClient>(), name, cancellationToken).ConfigureAwait(false);
        if (run is not { TaskId: { } id, Schedule: var schedule })
        {
            await output.WriteLineAsync(run is null ? $"no schedule '{name}' (see tt schedules)" : $"schedule '{name}' is removed: not run").ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync(json
            ? JsonSerializer.Serialize(new { id, task = schedule.Task, queue = schedule.Queue, schedule = schedule.Name })
            : $"sent schedule '{name}' now as task {id} ({schedule.Task} on queue {schedule.Queue}); its next occurrence is unchanged").ConfigureAwait(false);
        return 0;
    }
}
