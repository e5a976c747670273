using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace TypedTasks.Cli;

/// <summary><c>tt events</c>: the task events as they happen.</summary>
internal sealed partial class Commands
{
    public async Task<int> EventsAsync(IReadOnlyCollection<TaskEventKind> kinds, CancellationToken cancellationToken)
    {
        await using var feed = await services.GetRequiredService<ITaskEvents>().SubscribeAsync(kinds, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"listening to {Connection.Names.TaskEventsPrefix}* (workers and clients need TypedTasks:SendTaskEvents=true; Ctrl+C stops)").ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var e in feed.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var line = new StringBuilder();
            line.Append(CultureInfo.InvariantCulture, $"{e.At:HH:mm:ss.fff} {TaskEventName(e.Kind),-13} {e.TaskName}[{e.Id}]");
            if (e.Attempt is { } attempt)
            {
                line.Append(CultureInfo.InvariantCulture, $" attempt {attempt}");
            }

            if (e.Worker is { } worker)
            {
                line.Append(CultureInfo.InvariantCulture, $" on {worker}");
            }

            if (e.Runtime is { } runtime)
            {
                line.Append(CultureInfo.InvariantCulture, $" in {runtime.TotalMilliseconds:F1} ms");
            }

            if (e.Error is { } error)
            {
                line.Append(CultureInfo.InvariantCulture, $": {error.Type}: {error.Message}");
            }

            await output.WriteLineAsync(line.ToString()).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>A kind as events print it and <c>--kind</c> takes it: <c>dead_lettered</c>, <c>succeeded</c>.</summary>
    internal static string TaskEventName(TaskEventKind kind) => kind == TaskEventKind.DeadLettered ? "dead_lettered" : kind.ToString().ToLowerInvariant();
}
