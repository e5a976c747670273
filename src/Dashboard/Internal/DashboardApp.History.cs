using System.Globalization;
using System.Text;
using TypedTasks.Client;
using TypedTasks.Telemetry;

namespace TypedTasks.Dashboard.Internal;

/// <summary>A task's state history on its page: its events, from the recent-tasks list or a bounded read of the history stream.</summary>
internal sealed partial class DashboardApp
{
    /// <summary>How many of the newest events of the history stream the task page reads for a task the list does not hold:
    /// one fetch, a few milliseconds.</summary>
    internal const int TaskPageScan = 1_000;

    /// <summary>How many it reads when asked to look further back (<c>?history=deep</c>, a link on the page).</summary>
    internal const int TaskPageDeepScan = 10_000;

    /// <summary>How far the clocks of workers and publishers may differ when deciding a task ended before the events read.</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The task's events, oldest first: those the recent-tasks list keeps, else those among the last
    /// <paramref name="scan"/> events of the history stream (one ordered consumer, never more); and a note saying where
    /// they come from, or why there are none, and whether looking further back could find more.
    /// </summary>
    private async Task<(IReadOnlyList<TaskEvent> Events, bool Dropped, string Note, bool Deeper)> ReadStateHistoryAsync(
        string id, RecentTask? seen, TaskResultRecord? record, int scan, CancellationToken cancellationToken)
    {
        var stream = Connection.Names.HistoryStream;
        if (seen is { Events.Count: > 0 })
        {
            return (seen.Events, seen.EarlierEventsDropped, $"From the task events this dashboard keeps for its {_recent.Capacity:N0} most recent tasks (filled from {stream} at start, then live).", false);
        }

        TaskHistoryState? state;
        try
        {
            state = await TaskHistory.ReadStateAsync(Connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ([], false, $"The task history {stream} could not be read ({ex.GetType().Name}: {ex.Message}). May this app's user read it (docs/security.md)?", false);
        }

        if (state is null)
        {
            return ([], false, $"No state history: the task history stream {stream} does not exist. Task events are off (TypedTasks:SendTaskEvents), or no process with them on that may create streams (a worker) has started since.", false);
        }

        var limits = $"{stream} keeps the last {Limit(state.MaxMessages)} events for {Age(state.MaxAge)} (TypedTasks:TaskHistory)";
        var from = state.LastSequence >= (ulong)scan ? state.LastSequence - (ulong)scan + 1 : 1;
        // Events before the range read are still kept: a deeper read could find earlier ones.
        var deeper = scan < TaskPageDeepScan && from > Math.Max(1UL, state.FirstSequence);
        if (record is { CompletedAt: { } ended } && record.State.IsFinal() && from > Math.Max(1UL, state.FirstSequence))
        {
            // A task that ended before the range begins has no event in it: one event read instead of the range (what a
            // page of an older task costs). The slack covers clocks that differ between the worker and the publishers.
            await foreach (var (_, first) in TaskHistory.ReadAsync(Connection, state, from, from, cancellationToken).ConfigureAwait(false))
            {
                if (ended + ClockSlack < first.At)
                {
                    return ([], false, $"Not looked up: this task ended ({ended.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC) before the oldest of the last {scan:N0} events of the task history ({first.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC). {limits}.", deeper);
                }
            }
        }

        var events = new List<TaskEvent>();
        var dropped = false;
        await foreach (var (_, e) in TaskHistory.ReadAsync(Connection, state, from, state.LastSequence, cancellationToken).ConfigureAwait(false))
        {
            if (string.Equals(e.Id, id, StringComparison.Ordinal))
            {
                if (events.Count == RecentTasks.MaxEventsPerTask)
                {
                    events.RemoveAt(0);
                    dropped = true;
                }

                events.Add(e);
            }
        }

        if (events.Count > 0)
        {
            return (events, dropped, $"From the last {scan:N0} events of the task history; {limits}.", deeper);
        }

        var taskAt = record?.SentAt ?? record?.StartedAt ?? record?.CompletedAt;
        if (state.FirstAt is { } oldest && taskAt is { } at && at < oldest)
        {
            return ([], false, $"No state history kept: this task's events are older than the oldest event kept ({oldest.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC): trimmed. {limits}.", false);
        }

        return ([], false, state.Messages > scan
            ? $"None of the last {scan:N0} of the {state.Messages:N0} events kept is this task's: its events are older, or the processes that sent and ran it do not send task events. {limits}."
            : $"None of the {state.Messages:N0} events kept is this task's: the processes that sent and ran it do not send task events (TypedTasks:SendTaskEvents), or its events were trimmed. {limits}.", deeper);

        static string Limit(long max) => max > 0 ? max.ToString("N0", CultureInfo.InvariantCulture) : "(no count limit)";

        static string Age(TimeSpan age) => age <= TimeSpan.Zero ? "no age limit" : age.TotalDays >= 1 ? $"{age.TotalDays:0.#} days" : $"{age.TotalHours:0.#} hours";
    }

    /// <summary>Where the recent-tasks list started from: the history stream, or why not.</summary>
    private string HistoryNote()
    {
        var stream = Connection.Names.HistoryStream;
        return _recent.Seed switch
        {
            null => $"Reading the task history {stream}…",
            { State: { } state } => $"At start the list read the last {_recent.Seed.Events:N0} events of the task history {stream} ({state.Messages:N0} kept), so it survives a restart of this app.",
            { Error: { } error } => $"The task history {stream} could not be read at start ({error}): the list holds the events seen since.",
            _ => $"There is no task history stream {stream} (task events off, or no worker with them on has started since): the list holds the events seen since this app started.",
        };
    }

    /// <summary>The task's sent event among its events: the last one that carries arguments, else the last one.</summary>
    private static TaskEvent? SentEvent(IReadOnlyList<TaskEvent> events)
        => events.LastOrDefault(e => e is { Kind: TaskEventKind.Sent, Arguments: not null }) ?? events.LastOrDefault(e => e.Kind == TaskEventKind.Sent);

    /// <summary>The arguments of the task's sent event (<c>TypedTasks:TaskEventArgumentBytes</c>): pretty JSON when whole,
    /// the text as it came when cut; HTML-encoded either way, and bounded by <see cref="TypedTasksDashboardOptions.MaxJsonBytes"/>.</summary>
    private void WriteSentArguments(Html body, TaskEvent sent)
    {
        var bytes = Encoding.UTF8.GetBytes(sent.Arguments ?? string.Empty);
        body.Raw("<p class=\"note\">From the task's sent event (").Time(sent.At, DateTimeOffset.UtcNow).Raw(").</p>");
        if (!sent.ArgumentsTruncated)
        {
            body.Json(bytes, _options.MaxJsonBytes);
            return;
        }

        // Bounded like the sender's cut: never inside a character.
        var shown = TaskEventPublisher.CapArguments(bytes, _options.MaxJsonBytes).Text ?? string.Empty;
        body.Raw("<pre class=\"json\">").Text(shown).Raw("</pre><p class=\"note\">")
            .Text($"Cut at {bytes.Length:N0} bytes by the sender (TypedTasks:TaskEventArgumentBytes): the rest of the arguments is not in the event.").Raw("</p>");
    }

    /// <summary>The state history section of the task page, from <see cref="ReadStateHistoryAsync"/>.</summary>
    private static void WriteStateHistory(Html body, string root, string id, (IReadOnlyList<TaskEvent> Events, bool Dropped, string Note, bool Deeper) history, DateTimeOffset now)
    {
        body.Raw("<h2 id=\"history\">State history</h2>");
        var (events, dropped, note, deeper) = history;
        if (events.Count > 0)
        {
            // By time; events of one instant keep the order they arrived in (OrderBy is stable).
            body.Raw("<table class=\"history\"><thead><tr><th>When</th><th>State</th><th>Event</th><th class=\"num\">Attempt</th><th>Worker</th><th>Details</th></tr></thead><tbody>");
            foreach (var e in events.OrderBy(e => e.At))
            {
                body.Raw("<tr><td>").Time(e.At, now).Raw("</td><td>").State(RecentTasks.StateOf(e.Kind)).Raw("</td><td>").Text(TaskEventPublisher.Subject(e.Kind))
                    .Raw("</td><td class=\"num\">").Text(e.Attempt?.ToString(CultureInfo.InvariantCulture) ?? "–").Raw("</td><td>");
                if (e.Worker is { } worker)
                {
                    body.Link(root + "/workers#worker-" + Uri.EscapeDataString(worker), worker);
                }
                else
                {
                    body.Raw("<span class=\"muted\">–</span>");
                }

                body.Raw("</td><td>");
                var separator = string.Empty;
                if (e.Error is { } error)
                {
                    body.Text(error.Type + ": " + error.Message);
                    separator = "; ";
                }

                if (e.Runtime is { } runtime)
                {
                    body.Text($"{separator}ran {runtime.TotalMilliseconds:N0} ms");
                    separator = "; ";
                }

                if (e.NextAttemptAt is { } next)
                {
                    body.Text(separator + "next attempt ").Time(next, now);
                }

                body.Raw("</td></tr>");
            }

            body.Raw("</tbody></table>");
            if (dropped)
            {
                body.Raw("<p class=\"note\">").Text($"Only the last {RecentTasks.MaxEventsPerTask} events of this task are kept here.").Raw("</p>");
            }
        }

        body.Raw("<p class=\"note\">").Text(note).Raw(" Events are at most once (a lost connection loses one): the record above is the task's state.");
        if (deeper)
        {
            body.Raw(" ").Link(root + "/tasks/" + Uri.EscapeDataString(id) + "?history=deep#history", $"Look through the last {TaskPageDeepScan:N0} events");
        }

        body.Raw("</p>");
    }
}
