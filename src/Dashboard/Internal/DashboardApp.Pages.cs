using System.Globalization;
using Microsoft.AspNetCore.Http;
using TypedTasks.Client;
using TypedTasks.Protocol;

namespace TypedTasks.Dashboard.Internal;

/// <summary>The pages: each reads through the query layer <c>tt</c> uses, and writes plain HTML.</summary>
internal sealed partial class DashboardApp
{
    /// <summary>Tasks due later per page (at most <see cref="DeploymentQueries.MaxPageSize"/>).</summary>
    internal const int DueLaterPageSize = 100;

    private static readonly TaskState[] ListedStates = [TaskState.Pending, TaskState.Started, TaskState.Retry, TaskState.Success, TaskState.Failure, TaskState.Revoked];

    private async Task OverviewAsync(HttpContext context)
    {
        var (numbers, snapshot, _) = await ReadNumbersAsync(context.RequestAborted).ConfigureAwait(false);
        var root = Base(context);
        var body = new Html().Raw("<h1>Overview</h1><section class=\"cards\">");
        Card(body, "Workers up", "workers.alive", numbers, root + "/workers");
        Card(body, "Workers lost", "workers.lost", numbers, root + "/workers");
        Card(body, "Waiting", "tasks.waiting", numbers, root + "/queues");
        Card(body, "Held by workers", "tasks.held", numbers, root + "/queues");
        Card(body, "Due later", "tasks.due", numbers, root + "/scheduled");
        Card(body, "Dead letters", "dead", numbers, root + "/dead");
        body.Raw("</section>");
        ThroughputChart.Write(body, await Workers.ListAsync(WorkerListing.Alive, context.RequestAborted).ConfigureAwait(false), DateTimeOffset.UtcNow);
        body.Raw("<h2>Queues</h2>");
        if (snapshot.Queues.Count == 0)
        {
            body.Raw("<p class=\"empty\">No queues yet: no task sent and no worker started on this prefix.</p>");
        }
        else
        {
            body.Raw("<table><thead><tr><th>Queue</th><th class=\"num\">Waiting</th><th class=\"num\">Held by workers</th><th class=\"num\">Workers serving</th><th class=\"num\">Oldest waiting</th><th>Consumer</th></tr></thead><tbody>");
            foreach (var queue in snapshot.Queues)
            {
                body.Raw("<tr><td>").Text(queue.Queue).Raw("</td>");
                LiveCell(body, $"queue.{queue.Queue}.waiting", numbers);
                LiveCell(body, $"queue.{queue.Queue}.held", numbers);
                LiveCell(body, $"queue.{queue.Queue}.workers", numbers);
                LiveCell(body, $"queue.{queue.Queue}.oldest", numbers);
                body.Raw("<td>").Text(queue.Consumer ?? "none: no worker has served it").Raw("</td></tr>");
            }

            body.Raw("</tbody></table>");
        }

        body.Raw("<p class=\"note\" id=\"live-status\" data-interval=").Attr(((int)_options.LiveInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture))
            .Raw(">Numbers as of ").Text(DateTimeOffset.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).Raw(" UTC; reload for newer ones (live updates need JavaScript).</p>");
        await WritePageAsync(context, "Overview", string.Empty, body).ConfigureAwait(false);
    }

    private static void Card(Html body, string label, string key, IReadOnlyDictionary<string, string> numbers, string href)
        => body.Raw("<a class=\"card\" href=").Attr(href).Raw("><span class=\"label\">").Text(label).Raw("</span><span class=\"value\" data-live=").Attr(key).Raw(">")
            .Text(numbers.GetValueOrDefault(key, "–")).Raw("</span></a>");

    private static void LiveCell(Html body, string key, IReadOnlyDictionary<string, string> numbers)
        => body.Raw("<td class=\"num\" data-live=").Attr(key).Raw(">").Text(numbers.GetValueOrDefault(key, "–")).Raw("</td>");

    private async Task QueuesAsync(HttpContext context)
    {
        var snapshot = await DeploymentQueries.ReadQueuesAsync(Connection, context.RequestAborted).ConfigureAwait(false);
        var rates = _rates.Observe(snapshot);
        var workers = await Workers.ListAsync(WorkerListing.Alive, context.RequestAborted).ConfigureAwait(false);
        var canAct = await CanActAsync(context).ConfigureAwait(false);
        var root = Base(context);
        var body = new Html().Raw("<h1>Queues</h1>");
        if (snapshot.Queues.Count == 0)
        {
            body.Raw("<p class=\"empty\">No queues yet: no task sent and no worker started on this prefix.</p>");
        }
        else
        {
            body.Raw("<table><thead><tr><th>Queue</th><th class=\"num\">Stored</th><th class=\"num\">Waiting</th><th class=\"num\">Held by workers</th><th class=\"num\">Leftovers</th>")
                .Raw("<th class=\"num\">In /s</th><th class=\"num\">Out /s</th><th class=\"num\">Oldest waiting</th>")
                .Raw("<th class=\"num\">Workers serving</th><th class=\"num\">Pulls waiting</th><th>Consumer</th>").Raw(canAct ? "<th></th>" : string.Empty).Raw("</tr></thead><tbody>");
            foreach (var q in snapshot.Queues)
            {
                body.Raw("<tr><td>").Text(q.Queue).Raw("</td><td class=\"num\">").Text(q.Stored)
                    .Raw("</td><td class=\"num\">").Text(Number(q.Waiting)).Raw("</td><td class=\"num\">").Text(Number(q.Held))
                    .Raw("</td><td class=\"num\">").Text(Number(q.Leftovers)).Raw("</td>").Raw(FlowCells(q, rates, snapshot.ReadAt)).Raw("<td class=\"num\">").Text(workers.Count(w => w.Queues.Contains(q.Queue)))
                    .Raw("</td><td class=\"num\">").Text(Number(q.PullsWaiting)).Raw("</td><td>").Text(q.Consumer ?? "none: no worker has served it").Raw("</td>");
                if (canAct)
                {
                    body.Raw("<td>");
                    ActionLink(body, root + "/actions/purge-queue?queue=" + Uri.EscapeDataString(q.Queue), "Purge", danger: true);
                    body.Raw("</td>");
                }

                body.Raw("</tr>");
            }

            body.Raw("</tbody></table>");
        }

        body.Raw("<p>Due later (countdown, ETA, retry): <strong>").Text(Number(snapshot.DueLater ?? 0)).Raw("</strong> in ").Text(snapshot.WaitingStream)
            .Text(snapshot.NativeScheduling ? " (the server's scheduled delivery)." : " (the schedule stream).").Raw("</p>")
            .Raw("<p class=\"note\">Waiting: not yet delivered to a worker. Held: delivered and not yet acknowledged (running or prefetched). ")
            .Raw("Leftovers: stored, neither waiting nor held — acknowledged messages nats-server 2.9.x keeps after a crash, or tasks that moved while the numbers were read; workers remove them (docs/cli.md). ")
            .Raw(FlowNote(snapshot, rates))
            .Raw("The same figures as <code>tt queues</code>.</p>");
        await WritePageAsync(context, "Queues", "/queues", body).ConfigureAwait(false);
    }

    private async Task WorkersAsync(HttpContext context)
    {
        var workers = await Workers.ListAsync(WorkerListing.AliveAndLost, context.RequestAborted).ConfigureAwait(false);
        var canAct = await CanActAsync(context).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var root = Base(context);
        var body = new Html().Raw("<h1>Workers</h1>");
        if (workers.Count == 0)
        {
            body.Raw("<p class=\"empty\">No workers: none has sent a heartbeat in the last hour.</p>");
        }
        else
        {
            body.Raw("<table><thead><tr><th>Worker</th><th>State</th><th>Host</th><th class=\"num\">PID</th><th>Version</th><th>Queues</th>")
                .Raw("<th class=\"num\">Busy</th><th class=\"num\">Processed</th><th class=\"num\">Failed</th><th>Started</th><th>Last heartbeat</th>").Raw(canAct ? "<th></th>" : string.Empty).Raw("</tr></thead><tbody>");
            foreach (var w in workers.OrderByDescending(w => w.IsAliveAt(now)).ThenBy(w => w.Id, StringComparer.Ordinal))
            {
                var alive = w.IsAliveAt(now);
                body.Raw("<tr id=").Attr("worker-" + w.Id).Raw("><td><code>").Text(w.Id).Raw("</code></td><td><span class=").Attr(alive ? "state state-success" : "state state-failure").Raw(">")
                    .Text(alive ? "up" : "lost").Raw("</span></td><td>").Text(w.Host).Raw("</td><td class=\"num\">").Text(w.ProcessId.ToString(CultureInfo.InvariantCulture))
                    .Raw("</td><td>").Text(w.Version ?? "–").Raw("</td><td>").Text(string.Join(", ", w.Queues))
                    .Raw("</td><td class=\"num\">").Text($"{w.Busy}/{w.Concurrency}").Raw("</td><td class=\"num\">").Text(w.Processed)
                    .Raw("</td><td class=\"num\">").Text(w.Failed).Raw("</td><td>").Time(w.StartedAt, now).Raw("</td><td>").Time(w.HeartbeatAt, now).Raw("</td>");
                if (canAct)
                {
                    body.Raw("<td>");
                    if (alive && w.AllowsShutdown)
                    {
                        ActionLink(body, root + "/actions/shutdown?worker=" + Uri.EscapeDataString(w.Id), "Shut down", danger: true);
                    }
                    else if (alive)
                    {
                        // Its heartbeat says it would refuse (WorkerInfo.AllowsShutdown; older workers say so too).
                        body.Raw("<span class=\"muted\">remote shutdown off</span>");
                    }

                    body.Raw("</td>");
                }

                body.Raw("</tr>");
                if (w.Active.Count > 0)
                {
                    body.Raw("<tr class=\"sub\"><td colspan=").Attr(canAct ? "12" : "11").Raw("><ul class=\"running\">");
                    foreach (var task in w.Active)
                    {
                        body.Raw("<li>runs ").Link(root + "/tasks/" + Uri.EscapeDataString(task.Id), task.Id).Raw(" ").Text(task.TaskName)
                            .Text($", attempt {task.Attempt}, for {Html.Ago(now - task.StartedAt).Replace(" ago", string.Empty, StringComparison.Ordinal)}").Raw("</li>");
                    }

                    body.Raw("</ul></td></tr>");
                }
            }

            body.Raw("</tbody></table>");
        }

        body.Raw("<p class=\"note\">From the heartbeats in the workers bucket, as <code>tt workers --lost</code>: a worker is up when it was heard from within three heartbeat intervals; lost workers stopped without a clean shutdown and stay listed for an hour.</p>");
        await WritePageAsync(context, "Workers", "/workers", body).ConfigureAwait(false);
    }

    private async Task TasksAsync(HttpContext context)
    {
        var root = Base(context);
        var id = context.Request.Query["id"].ToString().Trim();
        var body = new Html().Raw("<h1>Tasks</h1>");
        if (id.Length > 0)
        {
            if (NatsNames.IsValidTaskId(id))
            {
                context.Response.Redirect(root + "/tasks/" + Uri.EscapeDataString(id));
                return;
            }

            body.Raw("<p class=\"error\">").Text($"'{id}' is not a task id: 1 to 128 letters, digits, '-' and '_'.").Raw("</p>");
        }

        body.Raw("<form class=\"search\" method=\"get\" action=").Attr(root + "/tasks").Raw("><label for=\"id\">Task id</label> <input id=\"id\" name=\"id\" type=\"search\" value=")
            .Attr(id).Raw(" placeholder=\"01a211e7e24d7605…\" required> <button type=\"submit\">Find</button></form>");

        TaskState? state = null;
        var stateText = context.Request.Query["state"].ToString();
        if (stateText.Length > 0)
        {
            state = ListedStates.FirstOrDefault(s => string.Equals(s.ToWireName(), stateText, StringComparison.OrdinalIgnoreCase), (TaskState)(-1));
            if (state == (TaskState)(-1))
            {
                state = null;
            }
        }

        body.Raw("<h2>Recent tasks</h2>");
        if (_options.RecentTasks == 0)
        {
            body.Raw("<p class=\"note\">The recent-tasks list is off (TypedTasksDashboardOptions.RecentTasks = 0). Find a task by its id above.</p>");
            await WritePageAsync(context, "Tasks", "/tasks", body).ConfigureAwait(false);
            return;
        }

        var counts = _recent.CountByState();
        body.Raw("<nav class=\"filters\">").Raw(state is null ? "<strong>" : string.Empty).Link(root + "/tasks", $"all ({counts.Values.Sum()})").Raw(state is null ? "</strong>" : string.Empty);
        foreach (var s in ListedStates)
        {
            var label = $"{s.ToWireName()} ({counts.GetValueOrDefault(s)})";
            body.Raw(" ").Raw(s == state ? "<strong>" : string.Empty).Link(root + "/tasks?state=" + s.ToWireName(), label).Raw(s == state ? "</strong>" : string.Empty);
        }

        body.Raw("</nav>");
        var now = DateTimeOffset.UtcNow;
        var tasks = _recent.List(state, 200);
        if (tasks.Count == 0)
        {
            body.Raw("<p class=\"empty\">No tasks seen").Text(state is null ? string.Empty : " in state " + state.Value.ToWireName()).Raw(" yet.</p>");
        }
        else
        {
            body.Raw("<table><thead><tr><th>Task id</th><th>Task</th><th>State</th><th>Queue</th><th class=\"num\">Attempt</th><th>Worker</th><th>Last event</th><th>Error</th></tr></thead><tbody>");
            foreach (var t in tasks)
            {
                body.Raw("<tr><td>").Link(root + "/tasks/" + Uri.EscapeDataString(t.Id), t.Id).Raw("</td><td>").Text(t.TaskName).Raw("</td><td>").State(t.State)
                    .Raw("</td><td>").Text(t.Queue ?? "–").Raw("</td><td class=\"num\">").Text(t.Attempt?.ToString(CultureInfo.InvariantCulture) ?? "–")
                    .Raw("</td><td>").Text(t.Worker ?? "–").Raw("</td><td>").Time(t.At, now).Raw("</td><td>").Text(t.Error is { } e ? $"{e.Type}: {e.Message}" : string.Empty).Raw("</td></tr>");
            }

            body.Raw("</tbody></table>");
        }

        body.Raw("<p class=\"note\">").Text(
            $"The last {_recent.Capacity:N0} tasks seen in the task events (the state of the latest event; the task page reads the stored record and shows each task's state history). "
            + "Workers and clients send events only with TypedTasks:SendTaskEvents=true. ")
            .Text(HistoryNote()).Raw(_recent.Listening ? string.Empty : " <strong>Not listening to task events right now</strong> (see the app's log).").Raw("</p>");
        await WritePageAsync(context, "Tasks", "/tasks", body).ConfigureAwait(false);
    }

    private async Task TaskAsync(HttpContext context)
    {
        var root = Base(context);
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        var body = new Html();
        if (!NatsNames.IsValidTaskId(id))
        {
            body.Raw("<h1>Task</h1><p class=\"error\">").Text($"'{id}' is not a task id: 1 to 128 letters, digits, '-' and '_'.").Raw("</p>");
            await WritePageAsync(context, "Task", "/tasks", body, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var record = await Results.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        var seen = _recent.Find(id);
        DeadLetter? dead = null;
        if (ulong.TryParse(context.Request.Query["dead"], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence > 0)
        {
            var page = await DeploymentQueries.ReadDeadLettersAsync(Connection, sequence, 1, context.RequestAborted).ConfigureAwait(false);
            dead = page.Letters.FirstOrDefault(l => l.Sequence == sequence && string.Equals(l.TaskId, id, StringComparison.Ordinal));
        }

        var now = DateTimeOffset.UtcNow;
        var state = record?.State ?? TaskState.Pending;
        body.Raw("<h1>Task <code>").Text(id).Raw("</code> ").State(state).Raw("</h1>");
        var requeuable = dead is not null;
        var revocable = record is null || !record.State.IsFinal();
        if ((requeuable || revocable) && await CanActAsync(context).ConfigureAwait(false))
        {
            body.Raw("<p class=\"actions\">");
            if (dead is not null)
            {
                ActionLink(body, root + "/actions/requeue?seq=" + dead.Sequence.ToString(CultureInfo.InvariantCulture), "Requeue");
            }

            if (revocable)
            {
                ActionLink(body, root + "/actions/revoke?id=" + Uri.EscapeDataString(id), "Revoke");
                ActionLink(body, root + "/actions/terminate?id=" + Uri.EscapeDataString(id), "Revoke and terminate", danger: true);
            }

            body.Raw("</p>");
        }

        if (record is null)
        {
            body.Raw("<p class=\"note\">No record in the result backend: PENDING means queued, due later, unknown, expired, or a task that ignores its result (as <code>tt status</code> says).</p>");
        }

        var deep = string.Equals(context.Request.Query["history"], "deep", StringComparison.Ordinal);
        var history = await ReadStateHistoryAsync(id, seen, record, deep ? TaskPageDeepScan : TaskPageScan, context.RequestAborted).ConfigureAwait(false);
        var sent = SentEvent(history.Events);
        body.Raw("<dl class=\"fields\">");
        Field(body, "Task", record?.TaskName ?? seen?.TaskName ?? dead?.TaskName);
        Field(body, "Queue", seen?.Queue ?? dead?.Queue ?? sent?.Queue);
        Field(body, "Attempts", record?.Attempts.ToString(CultureInfo.InvariantCulture));
        if (record?.Worker is { } worker)
        {
            body.Raw("<dt>Worker</dt><dd>").Link(root + "/workers#worker-" + Uri.EscapeDataString(worker), worker).Raw("</dd>");
        }

        TimeField(body, "Sent", record?.SentAt, now);
        TimeField(body, "Started", record?.StartedAt, now);
        TimeField(body, "Completed", record?.CompletedAt, now);
        TimeField(body, "Next attempt", record?.NextAttemptAt, now);
        if (record is { StartedAt: { } started, CompletedAt: { } completed } && record.State.IsFinal())
        {
            Field(body, "Ran for", $"{(completed - started).TotalMilliseconds:N0} ms");
        }

        if (record?.Progress is { } progress)
        {
            body.Raw("<dt>Progress</dt><dd><progress max=\"100\" value=").Attr(((int)Math.Round(progress.Fraction * 100)).ToString(CultureInfo.InvariantCulture)).Raw("></progress> ")
                .Text($"{progress.Fraction:P0}").Text(progress.Note is null ? string.Empty : " — " + progress.Note);
            if (!progress.Data.IsEmpty)
            {
                // The task's own progress record (typed progress), as the JSON it is.
                body.Json(progress.Data, _options.MaxJsonBytes);
            }

            body.Raw("</dd>");
        }

        body.Raw("</dl>");
        if (record?.Error is { } error)
        {
            body.Raw("<h2>Error</h2><div class=\"error-box\"><p><strong class=\"error-type\">").Text(error.Type).Raw("</strong></p><p class=\"error-message\">").Text(error.Message).Raw("</p>");
            if (error.StackTrace is { Length: > 0 } stack)
            {
                body.Raw("<details><summary>Stack trace (as the worker stored it)</summary><pre>").Text(stack).Raw("</pre></details>");
            }

            body.Raw("</div>");
        }

        if (record is { ResultJson.IsEmpty: false })
        {
            body.Raw("<h2>Result</h2>").Json(record.ResultJson, _options.MaxJsonBytes);
        }

        body.Raw("<h2>Arguments</h2>");
        await TaskSignatureAsync(context, body, record?.TaskName ?? seen?.TaskName ?? dead?.TaskName).ConfigureAwait(false);
        if (dead is not null)
        {
            body.Raw("<p class=\"note\">From dead letter ").Link(root + "/dead?from=" + dead.Sequence.ToString(CultureInfo.InvariantCulture), "#" + dead.Sequence.ToString(CultureInfo.InvariantCulture))
                .Raw(": ").Text(dead.Reason).Raw("</p>").Json(dead.Arguments, _options.MaxJsonBytes);
        }
        else if (sent is { Arguments: not null })
        {
            WriteSentArguments(body, sent);
        }
        else
        {
            body.Raw("<p class=\"note\">The result backend does not keep a task's arguments (docs/protocol.md); a dead letter does: open the task from the ")
                .Link(root + "/dead", "dead letters").Raw(" to see them.</p>");
        }

        await WriteWorkflowAsync(body, root, id, record, context.RequestAborted).ConfigureAwait(false);
        WriteStateHistory(body, root, id, history, now);
        await WritePageAsync(context, "Task " + id, "/tasks", body).ConfigureAwait(false);
    }

    private async Task DeadLettersAsync(HttpContext context)
    {
        var root = Base(context);
        var from = ulong.TryParse(context.Request.Query["from"], NumberStyles.None, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1;
        var ct = context.RequestAborted;
        if (!TryQueue(context.Request.Query["queue"], out var queue))
        {
            var error = new Html().Raw("<h1>Dead letters</h1><p class=\"error\">").Text($"'{context.Request.Query["queue"]}' is not a queue name: letters, digits, '-' and '_'.")
                .Raw("</p><p>").Link(root + "/dead", "All dead letters").Raw("</p>");
            await WritePageAsync(context, "Dead letters", "/dead", error, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var counts = await DeploymentActions.CountDeadLettersAsync(Connection, ct).ConfigureAwait(false);
        var page = queue is null
            ? await DeploymentQueries.ReadDeadLettersAsync(Connection, from, _options.DeadLettersPageSize, ct).ConfigureAwait(false)
            : await DeploymentActions.ReadDeadLettersAsync(Connection, queue, from, _options.DeadLettersPageSize, ct).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var canAct = await CanActAsync(context).ConfigureAwait(false);
        var here = DeadPage(root, queue);
        var body = new Html().Raw("<h1>Dead letters").Text(queue is null ? string.Empty : " of queue " + queue).Raw("</h1><p>").Text(page.Total).Raw(page.Total == 1 ? " dead letter" : " dead letters")
            .Text(queue is null ? string.Empty : " of queue " + queue).Raw(" in ").Text(Connection.Names.DeadStream)
            .Raw(from > 1 ? "; from sequence " + from.ToString(CultureInfo.InvariantCulture) : string.Empty).Raw(".</p>");

        // The filter: all queues, or one queue that has dead letters (or the one asked for).
        body.Raw("<nav class=\"filters\" aria-label=\"Queue\">").Raw(queue is null ? "<strong>" : string.Empty).Link(root + "/dead", $"all queues ({counts.Total})").Raw(queue is null ? "</strong>" : string.Empty);
        var listed = counts.ByQueue.ToList();
        if (queue is not null && !listed.Exists(q => string.Equals(q.Queue, queue, StringComparison.Ordinal)))
        {
            listed.Add((queue, 0));
        }

        foreach (var (name, count) in listed)
        {
            var chosen = string.Equals(name, queue, StringComparison.Ordinal);
            body.Raw(" ").Raw(chosen ? "<strong>" : string.Empty).Link(DeadPage(root, name), $"{name} ({count})").Raw(chosen ? "</strong>" : string.Empty);
        }

        body.Raw("</nav>");
        if (page.Letters.Count == 0)
        {
            body.Raw("<p class=\"empty\">").Text(from > 1 ? "No dead letters from this sequence on." : queue is null ? "No dead letters." : $"No dead letters of queue {queue}.").Raw("</p>");
        }

        if (canAct && page.Total > 0)
        {
            var scope = queue is null ? string.Empty : "?queue=" + Uri.EscapeDataString(queue);
            body.Raw("<p class=\"actions\">");
            ActionLink(body, root + "/actions/requeue-all" + scope, queue is null ? "Requeue all" : $"Requeue all of queue {queue}");
            ActionLink(body, root + "/actions/purge" + scope, queue is null ? "Purge all" : $"Purge all of queue {queue}", danger: true);
            body.Raw("</p>");
        }

        foreach (var letter in page.Letters)
        {
            var seq = letter.Sequence.ToString(CultureInfo.InvariantCulture);
            body.Raw("<article class=\"dead\" id=").Attr("dead-" + seq).Raw("><header><span class=\"seq\">#").Text(seq).Raw("</span> <strong>").Text(letter.TaskName ?? "(no task name)")
                .Raw("</strong> on queue ").Text(letter.Queue).Raw(" · ").Time(letter.DeadAt, now).Raw("</header><p class=\"reason\">").Text(letter.Reason).Raw("</p><p>Task id: ");
            if (letter.TaskId is { } id && NatsNames.IsValidTaskId(id))
            {
                body.Link(root + "/tasks/" + Uri.EscapeDataString(id) + "?dead=" + seq, id);
            }
            else
            {
                body.Text(letter.TaskId ?? "(none)");
            }

            body.Raw("</p>");
            if (canAct)
            {
                body.Raw("<p class=\"actions\">");
                ActionLink(body, root + "/actions/requeue?seq=" + seq, "Requeue");
                body.Raw("</p>");
            }

            body.Raw("<details><summary>Headers and body</summary><table class=\"headers\"><tbody>");
            foreach (var (name, value) in letter.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
            {
                body.Raw("<tr><th>").Text(name).Raw("</th><td>").Text(value).Raw("</td></tr>");
            }

            body.Raw("</tbody></table><h3>Body</h3>").Json(letter.Arguments, _options.MaxJsonBytes).Raw("</details></article>");
        }

        body.Raw("<nav class=\"pager\">");
        if (from > 1)
        {
            body.Link(here, "First page").Raw(" ");
        }

        if (page.NextSequence is { } next)
        {
            body.Link(here + (queue is null ? "?" : "&") + "from=" + next.ToString(CultureInfo.InvariantCulture), "Next page");
        }

        body.Raw("</nav><p class=\"note\">").Text($"Oldest first, {_options.DeadLettersPageSize} a page, paged by stream sequence; filter by queue above. Operators requeue or purge them here or with tt dead requeue / tt dead purge (docs/cli.md).").Raw("</p>");
        await WritePageAsync(context, "Dead letters", "/dead", body).ConfigureAwait(false);
    }

    /// <summary>Tasks due later, a page at a time by sequence in the waiting stream.</summary>
    private async Task ScheduledAsync(HttpContext context)
    {
        var root = Base(context);
        var from = ulong.TryParse(context.Request.Query["from"], NumberStyles.None, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1;
        var page = await DeploymentQueries.ReadDueLaterAsync(Connection, from, DueLaterPageSize, context.RequestAborted).ConfigureAwait(false);
        var canAct = await CanActAsync(context).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var body = new Html().Raw("<h1>Due later</h1><p>").Text(page.Total).Raw(page.Total == 1 ? " task" : " tasks").Raw(" due later in ").Text(page.Stream)
            .Text(page.NativeScheduling ? " (the server's scheduled delivery)" : " (the schedule stream)")
            .Raw(from > 1 ? "; from sequence " + from.ToString(CultureInfo.InvariantCulture) : string.Empty).Raw(".</p>");
        if (page.Tasks.Count == 0)
        {
            body.Raw("<p class=\"empty\">").Text(from > 1
                ? "No tasks due later from this sequence on."
                : "Nothing is due later: no task waits for a countdown, an ETA or a retry.").Raw("</p>");
        }
        else
        {
            body.Raw("<table class=\"due\"><thead><tr><th class=\"num\">Seq</th><th>Task</th><th>Task id</th><th>Queue</th><th>Due</th><th class=\"num\">Attempt</th><th>Stored</th>").Raw(canAct ? "<th></th>" : string.Empty).Raw("</tr></thead><tbody>");
            foreach (var task in page.Tasks)
            {
                body.Raw("<tr><td class=\"num\">").Text(task.Sequence.ToString(CultureInfo.InvariantCulture)).Raw("</td><td>").Text(task.TaskName ?? "(no task name)").Raw("</td><td>");
                if (task.TaskId is { } id && NatsNames.IsValidTaskId(id))
                {
                    body.Link(root + "/tasks/" + Uri.EscapeDataString(id), id);
                }
                else
                {
                    body.Text(task.TaskId ?? "(none)");
                }

                body.Raw("</td><td>").Text(task.Queue).Raw("</td><td>").Time(task.DueAt, now).Raw("</td><td class=\"num\">")
                    .Text(task.Attempt.ToString(CultureInfo.InvariantCulture)).Text(task.Attempt > 1 ? " (retry)" : string.Empty)
                    .Raw("</td><td>").Time(task.StoredAt, now).Raw("</td>");
                if (canAct)
                {
                    ActionCell(body, root, "seq", task.Sequence.ToString(CultureInfo.InvariantCulture), ("run-due", "Run now", false), ("cancel-due", "Cancel", true));
                }

                body.Raw("</tr>");
            }

            body.Raw("</tbody></table>");
        }

        body.Raw("<nav class=\"pager\">");
        if (from > 1)
        {
            body.Link(root + "/scheduled", "First page").Raw(" ");
        }

        if (page.NextSequence is { } next)
        {
            body.Link(root + "/scheduled?from=" + next.ToString(CultureInfo.InvariantCulture), "Next page");
        }

        body.Raw("</nav><p class=\"note\">").Text(
            $"In the order they were stored (stream sequence), not by due time, {DueLaterPageSize} a page. Due: the task's ETA (TT-Eta). "
            + "Stored: when it was sent, or when a retry was scheduled. "
            + (page.NativeScheduling
                ? "The server releases each task when it is due and the workers forward it to its queue."
                : "A worker (the schedule mover) moves each task to its queue when it is due: a task past its due time waits for a worker.")
            + " Operators run a task now or cancel it from its row (as tt scheduled run|cancel).")
            .Raw("</p>");
        await WritePageAsync(context, "Due later", "/scheduled", body).ConfigureAwait(false);
    }

    /// <summary>The periodic schedules from the schedules bucket.</summary>
    private async Task PeriodicAsync(HttpContext context)
    {
        var now = DateTimeOffset.UtcNow;
        var view = await DeploymentQueries.ReadPeriodicSchedulesAsync(Connection, DeploymentQueries.MaxPageSize, now, context.RequestAborted).ConfigureAwait(false);
        var bucket = Connection.Names.SchedulesBucket;
        var canAct = await CanActAsync(context).ConfigureAwait(false);
        var root = Base(context);
        var body = new Html().Raw("<h1>Periodic schedules</h1>");
        if (!view.BucketExists)
        {
            body.Raw("<p class=\"empty\">").Text(
                $"No periodic schedules yet: the schedules bucket {bucket} does not exist. The first worker that starts with periodic tasks "
                + "([Periodic], AddPeriodic) creates it, as does IPeriodicSchedules.SetAsync.").Raw("</p>");
        }
        else if (view.Schedules.Count == 0)
        {
            body.Raw("<p class=\"empty\">").Text($"No periodic schedules in {bucket}.").Raw("</p>");
        }
        else
        {
            body.Raw("<table class=\"periodic\"><thead><tr><th>Schedule</th><th>Task</th><th>When</th><th>Queue</th><th>Last occurrence</th><th>Next</th><th>Defined by</th>").Raw(canAct ? "<th></th>" : string.Empty).Raw("</tr></thead><tbody>");
            foreach (var (record, nextAt) in view.Schedules)
            {
                body.Raw("<tr><td><code>").Text(record.Name).Raw("</code>").Raw(record.Removed ? " <span class=\"state state-revoked\">removed</span>" : string.Empty)
                    .Raw("</td><td>").Text(record.Task);
                if (record.Arguments is { } arguments)
                {
                    body.Raw("<details><summary>Arguments</summary>").Json(System.Text.Encoding.UTF8.GetBytes(arguments.GetRawText()), _options.MaxJsonBytes).Raw("</details>");
                }

                body.Raw("</td><td>").Text(record.Cron is { } cron ? $"cron {cron} ({record.TimeZone})" : "every " + record.Every)
                    .Raw("</td><td>").Text(record.Queue).Raw("</td><td>");
                if (record.LastOccurrence is null)
                {
                    body.Raw("<span class=\"muted\">never</span>");
                }
                else
                {
                    body.Time(record.LastOccurrence, now);
                }

                body.Raw("</td><td>");
                if (record.Removed)
                {
                    body.Raw("<span class=\"muted\">none: removed</span>");
                }
                else
                {
                    body.Time(nextAt, now);
                }

                body.Raw("</td><td>").Text(record.Source ?? ScheduleRecord.FromCode).Text(record.DefinedBy is { } by ? " (" + by + ")" : string.Empty).Raw("</td>");
                if (canAct && !record.Removed)
                {
                    ActionCell(body, root, "name", record.Name, ("run-schedule", "Run now", false), ("remove-schedule", "Remove", true));
                }
                else if (canAct)
                {
                    body.Raw("<td></td>");
                }

                body.Raw("</tr>");
            }

            body.Raw("</tbody></table>");
            if (view.More)
            {
                body.Raw("<p class=\"note\">").Text($"Only the first {DeploymentQueries.MaxPageSize} schedules in the bucket are shown.").Raw("</p>");
            }
        }

        body.Raw("<p class=\"note\">").Text(
            $"From the schedules bucket {bucket}, as tt schedules shows them: the definition the workers send, the last occurrence sent, and the next occurrence "
            + "computed here from the definition. Removed schedules stay listed as tombstones with their last occurrence (docs/periodic.md). "
            + "Run now sends the task once without changing the next occurrence (as tt schedules run). Removing one stops it in every worker (as tt schedules remove). "
            + CodeScheduleNote).Raw("</p>");
        await WritePageAsync(context, "Periodic schedules", "/periodic", body).ConfigureAwait(false);
    }

    private static void Field(Html body, string name, string? value)
    {
        if (value is not null)
        {
            body.Raw("<dt>").Text(name).Raw("</dt><dd>").Text(value).Raw("</dd>");
        }
    }

    private static void TimeField(Html body, string name, DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not null)
        {
            body.Raw("<dt>").Text(name).Raw("</dt><dd>").Time(at, now).Raw("</dd>");
        }
    }

    private static string Number(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "–";
}
