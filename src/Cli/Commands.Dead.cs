using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Client;

namespace TypedTasks.Cli;

/// <summary>The dead letter commands: <c>tt dead list</c>, <c>tt dead requeue</c>, <c>tt dead purge</c>.</summary>
internal sealed partial class Commands
{
    /// <summary>A page of dead letters, oldest first, through the query the dashboard's page uses (<see cref="DeploymentQueries.ReadDeadLettersAsync"/>,
    /// or <see cref="DeploymentActions.ReadDeadLettersAsync"/> for one queue), and where the next page starts.</summary>
    public async Task<int> DeadListAsync(string? queue, ulong from, int limit, CancellationToken cancellationToken)
    {
        var page = queue is null
            ? await DeploymentQueries.ReadDeadLettersAsync(Connection, from, limit, cancellationToken).ConfigureAwait(false)
            : await DeploymentActions.ReadDeadLettersAsync(Connection, queue, from, limit, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(
                new
                {
                    total = page.Total,
                    next = page.NextSequence,
                    letters = page.Letters.Select(dead => new { sequence = dead.Sequence, queue = dead.Queue, taskId = dead.TaskId, taskName = dead.TaskName, reason = dead.Reason, deadAt = dead.DeadAt, arguments = Encoding.UTF8.GetString(dead.Arguments.Span) }),
                },
                JsonOptions)).ConfigureAwait(false);
            return 0;
        }

        var of = queue is null ? string.Empty : $" from queue '{queue}'";
        if (page.Letters.Count == 0)
        {
            await output.WriteLineAsync(from > 1 ? $"no dead letters{of} from sequence {from} on" : $"no dead letters{of}").ConfigureAwait(false);
            return 0;
        }

        var rows = new List<string[]> { new[] { "SEQ", "QUEUE", "TASK", "ID", "DEAD AT", "REASON" } };
        rows.AddRange(page.Letters.Select(dead => new[]
        {
            dead.Sequence.ToString(CultureInfo.InvariantCulture),
            dead.Queue,
            dead.TaskName ?? "-",
            dead.TaskId ?? "-",
            dead.DeadAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",
            dead.Reason,
        }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        await output.WriteLineAsync($"{page.Letters.Count} of {page.Total} dead letter{(page.Total == 1 ? string.Empty : "s")}{of}").ConfigureAwait(false);
        await WriteNextPageAsync("tt dead list" + (queue is null ? string.Empty : " --queue " + queue), page.NextSequence, limit, TtParser.DeadListPageSize).ConfigureAwait(false);
        return 0;
    }

    public async Task<int> DeadRequeueAsync(ulong? sequence, string? queue, CancellationToken cancellationToken)
    {
        var deadLetters = services.GetRequiredService<IDeadLetters>();
        if (sequence is { } one)
        {
            if (!await deadLetters.RequeueAsync(one, cancellationToken).ConfigureAwait(false))
            {
                await output.WriteLineAsync($"no dead letter {one} (see tt dead list)").ConfigureAwait(false);
                return 1;
            }

            await output.WriteLineAsync($"requeued dead letter {one}").ConfigureAwait(false);
            return 0;
        }

        var count = await deadLetters.RequeueAllAsync(queue, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"requeued {count} dead letter{(count == 1 ? string.Empty : "s")}").ConfigureAwait(false);
        return 0;
    }

    public async Task<int> DeadPurgeAsync(string? queue, CancellationToken cancellationToken)
    {
        var count = await services.GetRequiredService<IDeadLetters>().PurgeAsync(queue, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"deleted {count} dead letter{(count == 1 ? string.Empty : "s")}").ConfigureAwait(false);
        return 0;
    }
}
