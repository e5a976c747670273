using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Backend;
using TypedTasks.Client;

namespace TypedTasks.Cli;

/// <summary>The tasks due later: <c>tt scheduled</c>, <c>tt scheduled cancel</c>, <c>tt scheduled run</c>.</summary>
internal sealed partial class Commands
{
    /// <summary>A page of the tasks due later (<see cref="DeploymentQueries.ReadDueLaterAsync"/>, as the dashboard's due-later page).</summary>
    public async Task<int> DueLaterAsync(ulong from, int limit, CancellationToken cancellationToken)
    {
        var page = await DeploymentQueries.ReadDueLaterAsync(Connection, from, limit, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(
                new
                {
                    stream = page.Stream,
                    nativeScheduling = page.NativeScheduling,
                    total = page.Total,
                    next = page.NextSequence,
                    tasks = page.Tasks.Select(t => new { sequence = t.Sequence, taskId = t.TaskId, taskName = t.TaskName, queue = t.Queue, dueAt = t.DueAt, attempt = t.Attempt, storedAt = t.StoredAt }),
                },
                JsonOptions)).ConfigureAwait(false);
            return 0;
        }

        var where = $"{page.Stream} ({(page.NativeScheduling ? "the server's scheduled delivery" : "the schedule stream")})";
        if (page.Tasks.Count == 0)
        {
            await output.WriteLineAsync(from > 1 ? $"no tasks due later from sequence {from} on in {where}" : $"nothing is due later in {where}").ConfigureAwait(false);
            return 0;
        }

        var now = DateTimeOffset.UtcNow;
        var rows = new List<string[]> { new[] { "SEQ", "TASK", "ID", "QUEUE", "DUE", "ATTEMPT" } };
        rows.AddRange(page.Tasks.Select(t => new[]
        {
            t.Sequence.ToString(CultureInfo.InvariantCulture),
            t.TaskName ?? "-",
            t.TaskId ?? "-",
            t.Queue,
            t.DueAt is { } due ? $"{due.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} ({(due > now ? "in " + Span(due - now) : Ago(now - due))})" : "-",
            t.Attempt.ToString(CultureInfo.InvariantCulture) + (t.Attempt > 1 ? " (retry)" : string.Empty),
        }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        await output.WriteLineAsync($"{page.Tasks.Count} of {page.Total} due later in {where}, in the order they were stored").ConfigureAwait(false);
        await WriteNextPageAsync("tt scheduled", page.NextSequence, limit, TtParser.DueLaterPageSize).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Cancels a task due later (<see cref="DeploymentActions.CancelDueTaskAsync"/>, as the dashboard's "Cancel").</summary>
    public async Task<int> DueCancelAsync(ulong sequence, CancellationToken cancellationToken)
    {
        var acted = await DeploymentActions.CancelDueTaskAsync(Connection, services.GetRequiredService<NatsResultBackend>(), sequence, cancellationToken).ConfigureAwait(false);
        if (acted is null)
        {
            return await NothingDueAsync(sequence).ConfigureAwait(false);
        }

        await output.WriteLineAsync(acted.Removed
            ? $"cancelled {Named(acted.Task)}: revoked and removed from {Connection.WaitingStream}; it never runs"
            : $"revoked {Named(acted.Task)}: it had just reached queue '{acted.Task.Queue}', where workers refuse it").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Moves a task due later to its queue now (<see cref="DeploymentActions.RunDueTaskNowAsync"/>, as the dashboard's "Run now").</summary>
    public async Task<int> DueRunAsync(ulong sequence, CancellationToken cancellationToken)
    {
        if (await DeploymentActions.RunDueTaskNowAsync(Connection, sequence, cancellationToken).ConfigureAwait(false) is not { } acted)
        {
            return await NothingDueAsync(sequence).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"moved {Named(acted.Task)} to queue '{acted.Task.Queue}': it runs now instead of when it was due").ConfigureAwait(false);
        return 0;
    }

    private async Task<int> NothingDueAsync(ulong sequence)
    {
        await output.WriteLineAsync($"nothing waits at sequence {sequence} in {Connection.WaitingStream}: it reached its queue, or was cancelled or run already (see tt scheduled)").ConfigureAwait(false);
        return 1;
    }

    private static string Named(DueTask task)
        => (task.TaskId is { } id ? "task " + id : $"the task at sequence {task.Sequence}") + (task.TaskName is { } name ? $" ({name})" : string.Empty);
}
