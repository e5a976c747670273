using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using TypedTasks.Client;
using TypedTasks.Protocol;

namespace TypedTasks.Dashboard.Internal;

/// <summary>
/// The operators' actions (issue 13): requeue one or all dead letters (of one queue or all), purge them, purge a queue,
/// revoke a task (and terminate it), shut a worker down; run or remove a periodic schedule, cancel or run a task due later
/// (<c>DashboardApp.ScheduleActions.cs</c>). <c>GET /actions/{action}</c> is the confirmation page (works without JavaScript) holding a form;
/// <c>POST /actions/{action}</c> checks the operator policy (403), then the antiforgery token (400), acts, logs who did
/// what, and redirects (303) to the page it concerns with the outcome as a message (POST-redirect-GET).
/// </summary>
internal sealed partial class DashboardApp
{
    private const string CanActKey = "TypedTasks.Dashboard.CanAct";

    /// <summary>How long the outcome message in the redirect's query string stays readable.</summary>
    private static readonly TimeSpan MessageLifetime = TimeSpan.FromMinutes(5);

    private static readonly HashSet<string> ActionNames = new(StringComparer.Ordinal)
    {
        "requeue", "requeue-all", "purge", "purge-queue", "revoke", "terminate", "shutdown", "run-schedule", "remove-schedule", "cancel-due", "run-due",
    };

    private IAntiforgery Antiforgery => _actionServices.GetRequiredService<IAntiforgery>();

    private IDeadLetters DeadLetters => _services.GetRequiredService<IDeadLetters>();

    private ITimeLimitedDataProtector Messages => _messages ??= _actionServices.GetRequiredService<IDataProtectionProvider>()
        .CreateProtector("TypedTasks.Dashboard.ActionOutcome").ToTimeLimitedDataProtector();

    /// <summary>
    /// Whether the user may act: with <see cref="TypedTasksDashboardOptions.OperatorPolicy"/>, whether they satisfy it;
    /// with no policy at all, yes (the guard lets only local requests in Development this far); with only a
    /// <see cref="TypedTasksDashboardOptions.ReadPolicy"/>, nobody: the dashboard is read-only.
    /// </summary>
    private async Task<bool> CanActAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(CanActKey, out var known) && known is bool cached)
        {
            return cached;
        }

        bool allowed;
        if (_options.OperatorPolicy is { } policy)
        {
            var authorization = _services.GetRequiredService<IAuthorizationService>();
            allowed = (await authorization.AuthorizeAsync(context.User, policy).ConfigureAwait(false)).Succeeded;
        }
        else
        {
            allowed = _options.ReadPolicy is null;
        }

        context.Items[CanActKey] = allowed;
        return allowed;
    }

    /// <summary>Who acted, for the log: the signed-in user's name, or what the request was.</summary>
    private string UserName(HttpContext context)
        => context.User.Identity is { IsAuthenticated: true } identity
            ? identity.Name is { Length: > 0 } name ? name : "(signed in, no name claim)"
            : _options.ReadPolicy is null && _options.OperatorPolicy is null ? "anonymous (local development)" : "anonymous";

    /// <summary>A link to an action's confirmation page, styled as a button; only for users who may act.</summary>
    private static void ActionLink(Html body, string href, string label, bool danger = false)
        => body.Raw("<a class=").Attr(danger ? "button action danger" : "button action").Raw(" href=").Attr(href).Raw(">").Text(label).Raw("</a> ");

    /// <summary>GET /actions/{action}: what will happen, and a form to do it (no side effect here).</summary>
    private async Task ConfirmAsync(HttpContext context)
    {
        var action = context.Request.RouteValues["action"] as string ?? string.Empty;
        if (!ActionNames.Contains(action))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!await CanActAsync(context).ConfigureAwait(false))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, ForbiddenMessage()).ConfigureAwait(false);
            return;
        }

        var root = Base(context);
        var query = context.Request.Query;
        var ct = context.RequestAborted;
        var about = new Html();
        var fields = new List<(string Name, string Value)>();
        string title;
        string button;
        string back;
        var danger = false;
        switch (action)
        {
            case "requeue":
                {
                    if (!TryParseSequence(query["seq"], out var seq))
                    {
                        await NotFoundAsync(context, "Dead letter", "No dead letter sequence given.", root + "/dead").ConfigureAwait(false);
                        return;
                    }

                    var page = await DeploymentQueries.ReadDeadLettersAsync(Connection, seq, 1, ct).ConfigureAwait(false);
                    if (page.Letters.FirstOrDefault(l => l.Sequence == seq) is not { } letter)
                    {
                        await NotFoundAsync(context, "Dead letter", $"No dead letter #{seq}: requeued or purged already.", root + "/dead").ConfigureAwait(false);
                        return;
                    }

                    title = $"Requeue dead letter #{seq}?";
                    about.Raw("<dl class=\"fields\">");
                    Field(about, "Task", letter.TaskName ?? "(no task name)");
                    Field(about, "Task id", letter.TaskId ?? "(none)");
                    Field(about, "Queue", letter.Queue);
                    Field(about, "Reason", letter.Reason);
                    about.Raw("</dl><p>It goes back to its queue as it was (same id, arguments and attempt), the task's FAILURE record is cleared so that the new outcome is stored, and the dead letter is removed.</p>");
                    fields.Add(("seq", seq.ToString(CultureInfo.InvariantCulture)));
                    var taskId = letter.TaskId is { } id && NatsNames.IsValidTaskId(id) ? id : null;
                    if (taskId is not null)
                    {
                        fields.Add(("task", taskId));
                    }

                    button = "Yes, requeue it";
                    back = taskId is null ? root + "/dead" : root + "/tasks/" + Uri.EscapeDataString(taskId) + "?dead=" + seq.ToString(CultureInfo.InvariantCulture);
                    break;
                }

            case "requeue-all":
            case "purge":
                {
                    if (!TryQueue(query["queue"], out var queue))
                    {
                        await NotFoundAsync(context, "Dead letters", $"'{query["queue"]}' is not a queue name: letters, digits, '-' and '_'.", root + "/dead").ConfigureAwait(false);
                        return;
                    }

                    var total = queue is null
                        ? (await DeploymentQueries.ReadDeadLettersAsync(Connection, 1, 1, ct).ConfigureAwait(false)).Total
                        : (await DeploymentActions.ReadDeadLettersAsync(Connection, queue, 1, 1, ct).ConfigureAwait(false)).Total;
                    var all = action == "requeue-all";
                    var them = (total == 1 ? "the 1 dead letter" : $"all {total:N0} dead letters") + (queue is null ? string.Empty : $" of queue {queue}");
                    title = all ? $"Requeue {them}?" : $"Purge {them}?";
                    var every = queue is null ? "Every dead letter" : $"Every dead letter of queue {queue} (and only those)";
                    about.Raw("<p>").Text(all
                        ? every + " goes back to its queue as it was (same id, arguments and attempt), each task's FAILURE record is cleared, and the dead letters are removed. Tasks that failed for a reason that still holds will fail again."
                        : every + " is deleted, with its arguments. This cannot be undone; the tasks' FAILURE records stay.").Raw("</p>");
                    if (queue is not null)
                    {
                        fields.Add(("queue", queue));
                    }

                    button = all ? "Yes, requeue all" : "Yes, delete them";
                    danger = !all;
                    back = DeadPage(root, queue);
                    break;
                }

            case "purge-queue":
                {
                    if (!TryQueue(query["queue"], out var queue) || queue is null)
                    {
                        await NotFoundAsync(context, "Queue", $"'{query["queue"]}' is not a queue name: letters, digits, '-' and '_'.", root + "/queues").ConfigureAwait(false);
                        return;
                    }

                    var snapshot = await DeploymentQueries.ReadQueuesAsync(Connection, ct).ConfigureAwait(false);
                    var depth = snapshot.Queues.FirstOrDefault(q => string.Equals(q.Queue, queue, StringComparison.Ordinal));
                    var stored = depth?.Stored ?? 0;
                    title = $"Purge queue {queue}?";
                    about.Raw("<dl class=\"fields\">");
                    Field(about, "Queue", queue);
                    Field(about, "Tasks to delete", stored.ToString("N0", CultureInfo.InvariantCulture));
                    Field(about, "Waiting", Number(depth?.Waiting));
                    Field(about, "Held by workers", Number(depth?.Held));
                    about.Raw("</dl><p>").Text(
                        $"{(stored == 1 ? "The 1 task" : $"All {stored:N0} tasks")} stored for queue {queue} will be deleted, with their arguments (as tt purge {queue}). This cannot be undone. "
                        + "Tasks already running finish; tasks due later (countdown, ETA, retry) are not touched and reach the queue when due.").Raw("</p>");
                    fields.Add(("queue", queue));
                    button = "Yes, purge the queue";
                    danger = true;
                    back = root + "/queues";
                    break;
                }

            case "revoke":
            case "terminate":
                {
                    var id = query["id"].ToString();
                    if (!NatsNames.IsValidTaskId(id))
                    {
                        await NotFoundAsync(context, "Task", $"'{id}' is not a task id: 1 to 128 letters, digits, '-' and '_'.", root + "/tasks").ConfigureAwait(false);
                        return;
                    }

                    var record = await Results.GetAsync(id, ct).ConfigureAwait(false);
                    var terminate = action == "terminate";
                    title = terminate ? $"Revoke and terminate task {id}?" : $"Revoke task {id}?";
                    about.Raw("<dl class=\"fields\">");
                    Field(about, "Task", record?.TaskName ?? _recent.Find(id)?.TaskName ?? "(unknown)");
                    Field(about, "State", (record?.State ?? TaskState.Pending).ToWireName());
                    about.Raw("</dl><p>").Text(terminate
                        ? "No worker will start it (as tt revoke --terminate), and if an attempt is running its cancellation token is cancelled: the task stops if it observes its token. Its state becomes REVOKED unless it has finished."
                        : "No worker will start it (as tt revoke); an attempt already running finishes. Its state becomes REVOKED unless it has finished.").Raw("</p>");
                    fields.Add(("id", id));
                    button = terminate ? "Yes, revoke and terminate" : "Yes, revoke it";
                    danger = terminate;
                    back = root + "/tasks/" + Uri.EscapeDataString(id);
                    break;
                }

            case "run-schedule":
            case "remove-schedule":
            case "cancel-due":
            case "run-due":
                {
                    // DashboardApp.ScheduleActions.cs.
                    if (await ConfirmScheduleActionAsync(context, action, about, fields).ConfigureAwait(false) is not { } confirmation)
                    {
                        return;
                    }

                    (title, button, back, danger) = confirmation;
                    break;
                }

            default: // shutdown
                {
                    var workerId = query["worker"].ToString();
                    var workers = await Workers.ListAsync(WorkerListing.Alive, ct).ConfigureAwait(false);
                    if (workers.FirstOrDefault(w => string.Equals(w.Id, workerId, StringComparison.Ordinal)) is not { } worker)
                    {
                        await NotFoundAsync(context, "Worker", $"No worker '{workerId}' is up.", root + "/workers").ConfigureAwait(false);
                        return;
                    }

                    title = $"Shut down worker {worker.Id}?";
                    if (!worker.AllowsShutdown)
                    {
                        about.Raw("<p class=\"error\">Its heartbeat says remote shutdown is off on it: it will refuse and run on.</p>");
                    }

                    about.Raw("<dl class=\"fields\">");
                    Field(about, "Host", worker.Host);
                    Field(about, "Process id", worker.ProcessId.ToString(CultureInfo.InvariantCulture));
                    Field(about, "Queues", string.Join(", ", worker.Queues));
                    Field(about, "Busy", $"{worker.Busy}/{worker.Concurrency}");
                    about.Raw("</dl><p>The worker stops taking tasks, lets running ones finish within its grace period, hands the rest back, and its host stops (as tt shutdown). ")
                        .Raw("Only workers with <code>TypedTasks:Worker:RemoteControl:AllowShutdown=true</code> do so; the others refuse and run on.</p>");
                    fields.Add(("worker", worker.Id));
                    button = "Yes, shut it down";
                    danger = true;
                    back = root + "/workers";
                    break;
                }
        }

        var tokens = Antiforgery.GetAndStoreTokens(context);
        var body = new Html().Raw("<h1>").Text(title).Raw("</h1>").Raw(about.ToString())
            .Raw("<form class=\"confirm\" method=\"post\" action=").Attr(root + "/actions/" + action).Raw(">");
        foreach (var (name, value) in fields)
        {
            body.Raw("<input type=\"hidden\" name=").Attr(name).Raw(" value=").Attr(value).Raw(">");
        }

        body.Raw("<input type=\"hidden\" name=").Attr(tokens.FormFieldName).Raw(" value=").Attr(tokens.RequestToken ?? string.Empty).Raw(">")
            .Raw("<button type=\"submit\"").Raw(danger ? " class=\"danger\"" : string.Empty).Raw(">").Text(button).Raw("</button> ")
            .Link(back, "Cancel").Raw("</form>");
        await WritePageAsync(context, title, ActionPage(action), body).ConfigureAwait(false);
    }

    /// <summary>POST /actions/{action}: operator policy, antiforgery token, the action, a log line, a redirect.</summary>
    private async Task ActAsync(HttpContext context)
    {
        var action = context.Request.RouteValues["action"] as string ?? string.Empty;
        if (!ActionNames.Contains(action))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var user = UserName(context);
        if (!await CanActAsync(context).ConfigureAwait(false))
        {
            Log.ActionForbidden(_logger, user, action);
            await RefuseAsync(context, StatusCodes.Status403Forbidden, ForbiddenMessage()).ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasFormContentType || !await Antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            Log.ActionWithoutToken(_logger, user, action);
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "The form's antiforgery token is missing or not valid for you: open the dashboard page again and repeat the action.\n").ConfigureAwait(false);
            return;
        }

        var root = Base(context);
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var ct = context.RequestAborted;
        var back = root + "/dead";
        var target = string.Empty;
        bool ok;
        string outcome;
        string message;
        try
        {
            switch (action)
            {
                case "requeue":
                    {
                        if (!TryParseSequence(form["seq"], out var seq))
                        {
                            await RefuseAsync(context, StatusCodes.Status400BadRequest, "No dead letter sequence in the form.\n").ConfigureAwait(false);
                            return;
                        }

                        var taskId = form["task"].ToString();
                        target = $"dead letter #{seq}" + (NatsNames.IsValidTaskId(taskId) ? $" (task {taskId})" : string.Empty);
                        back = NatsNames.IsValidTaskId(taskId) ? root + "/tasks/" + Uri.EscapeDataString(taskId) : root + "/dead";
                        ok = await DeadLetters.RequeueAsync(seq, ct).ConfigureAwait(false);
                        outcome = ok ? "requeued" : "no such dead letter";
                        message = ok ? $"Requeued {target}: it is back on its queue with the same id and arguments." : $"No dead letter #{seq}: requeued or purged already.";
                        break;
                    }

                case "requeue-all":
                case "purge":
                    {
                        if (!TryQueue(form["queue"], out var queue))
                        {
                            await RefuseAsync(context, StatusCodes.Status400BadRequest, "The form's queue is not a queue name: letters, digits, '-' and '_'.\n").ConfigureAwait(false);
                            return;
                        }

                        target = queue is null ? "all dead letters" : $"the dead letters of queue {queue}";
                        back = DeadPage(root, queue);
                        var of = queue is null ? string.Empty : $" of queue {queue}";
                        if (action == "requeue-all")
                        {
                            var count = await DeadLetters.RequeueAllAsync(queue, ct).ConfigureAwait(false);
                            outcome = $"{count} requeued";
                            message = $"Requeued {count:N0} dead letter{(count == 1 ? string.Empty : "s")}{of}.";
                        }
                        else
                        {
                            var count = await DeadLetters.PurgeAsync(queue, ct).ConfigureAwait(false);
                            outcome = $"{count} deleted";
                            message = $"Purged {count:N0} dead letter{(count == 1 ? string.Empty : "s")}{of}.";
                        }

                        ok = true;
                        break;
                    }

                case "purge-queue":
                    {
                        if (!TryQueue(form["queue"], out var queue) || queue is null)
                        {
                            await RefuseAsync(context, StatusCodes.Status400BadRequest, "No valid queue name in the form: letters, digits, '-' and '_'.\n").ConfigureAwait(false);
                            return;
                        }

                        target = "queue " + queue;
                        back = root + "/queues";
                        // The same purge as tt purge <queue> (DeploymentActions.PurgeQueueAsync).
                        var count = await DeploymentActions.PurgeQueueAsync(Connection, queue, ct).ConfigureAwait(false);
                        ok = true;
                        outcome = $"{count} tasks deleted";
                        message = $"Purged queue {queue}: deleted {count:N0} task{(count == 1 ? string.Empty : "s")}. Tasks already running finish; tasks due later are not touched.";
                        break;
                    }

                case "revoke":
                case "terminate":
                    {
                        var id = form["id"].ToString();
                        if (!NatsNames.IsValidTaskId(id))
                        {
                            await RefuseAsync(context, StatusCodes.Status400BadRequest, "No valid task id in the form: 1 to 128 letters, digits, '-' and '_'.\n").ConfigureAwait(false);
                            return;
                        }

                        var terminate = action == "terminate";
                        target = "task " + id;
                        back = root + "/tasks/" + Uri.EscapeDataString(id);
                        // What tt revoke does (src/Cli/Commands.cs): the revocation every worker sees, REVOKED unless finished.
                        var record = await Results.GetAsync(id, ct).ConfigureAwait(false);
                        await Results.RevokeAsync(id, record?.TaskName ?? string.Empty, terminate, ct).ConfigureAwait(false);
                        ok = true;
                        var ended = record?.State.IsFinal() == true ? $" (it had ended already: {record.State.ToWireName()})" : string.Empty;
                        outcome = (terminate ? "revoked, terminating it if it runs" : "revoked") + ended;
                        message = $"Revoked task {id}{(terminate ? ", terminating it if it runs" : string.Empty)}{ended}.";
                        break;
                    }

                case "run-schedule":
                case "remove-schedule":
                case "cancel-due":
                case "run-due":
                    {
                        // DashboardApp.ScheduleActions.cs.
                        if (await ActOnScheduleAsync(context, action, form).ConfigureAwait(false) is not { } acted)
                        {
                            return;
                        }

                        (target, back, ok, outcome, message) = acted;
                        break;
                    }

                default: // shutdown
                    {
                        var workerId = form["worker"].ToString();
                        back = root + "/workers";
                        // Only a worker that is listed as up: the id becomes part of a NATS subject.
                        var workers = await Workers.ListAsync(WorkerListing.Alive, ct).ConfigureAwait(false);
                        if (!workers.Any(w => string.Equals(w.Id, workerId, StringComparison.Ordinal)))
                        {
                            target = "a worker that is not up";
                            ok = false;
                            outcome = "no such worker up";
                            message = $"No worker '{workerId}' is up.";
                            break;
                        }

                        target = "worker " + workerId;
                        try
                        {
                            ok = await Workers.ShutdownAsync(workerId, ct).ConfigureAwait(false);
                            outcome = ok ? "stopping" : "no answer (remote control off?)";
                            message = ok
                                ? $"Worker {workerId} is stopping: no new tasks; running ones finish within its grace period."
                                : $"Worker {workerId} did not answer: remote control may be off on it (TypedTasks:Worker:RemoteControl:Enabled).";
                        }
                        catch (RemoteControlRefusedException refused)
                        {
                            ok = false;
                            outcome = "refused";
                            message = refused.Message;
                        }

                        break;
                    }
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            Log.ActionFailed(_logger, ex, user, action, target);
            await RedirectWithMessageAsync(context, back, ok: false, $"Could not {action} {target}: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return;
        }

        Log.ActionDone(_logger, user, action, target, outcome);
        await RedirectWithMessageAsync(context, back, ok, message).ConfigureAwait(false);
    }

    private string ForbiddenMessage()
        => _options.OperatorPolicy is { } policy
            ? $"You may look but not act: the dashboard's actions need the operator policy '{policy}' (TypedTasksDashboardOptions.OperatorPolicy).\n"
            : "The dashboard is read-only: it has a ReadPolicy but no OperatorPolicy. Set TypedTasksDashboardOptions.OperatorPolicy to let operators act (docs/dashboard.md).\n";

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        await context.Response.WriteAsync(message, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task NotFoundAsync(HttpContext context, string title, string message, string back)
    {
        var body = new Html().Raw("<h1>").Text(title).Raw("</h1><p class=\"error\">").Text(message).Raw("</p><p>").Link(back, "Back").Raw("</p>");
        await WritePageAsync(context, title, string.Empty, body, StatusCodes.Status404NotFound).ConfigureAwait(false);
    }

    /// <summary>
    /// 303 to <paramref name="location"/> (built here from the dashboard's base, never from the request) with the outcome
    /// in <c>?done=</c>, protected by ASP.NET Core data protection and valid for a few minutes: a link cannot forge one.
    /// </summary>
    private Task RedirectWithMessageAsync(HttpContext context, string location, bool ok, string message)
    {
        var done = Messages.Protect((ok ? "ok:" : "error:") + message, MessageLifetime);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = location + (location.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "done=" + Uri.EscapeDataString(done);
        context.Response.Headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }

    /// <summary>The outcome of the last action, when the page was reached by its redirect.</summary>
    private void WriteOutcome(HttpContext context, Html page)
    {
        if (context.Request.Query["done"].ToString() is not { Length: > 0 } done)
        {
            return;
        }

        string text;
        try
        {
            text = Messages.Unprotect(done);
        }
        catch (CryptographicException)
        {
            return; // expired or not ours: show nothing
        }

        var ok = text.StartsWith("ok:", StringComparison.Ordinal);
        page.Raw("<p class=").Attr(ok ? "outcome ok" : "outcome failed").Raw(" role=\"status\">").Text(text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..]).Raw("</p>");
    }

    /// <summary>The queue of a filter or an action: none (empty or absent) is all queues; anything else must be a queue name.</summary>
    private static bool TryQueue(StringValues value, out string? queue)
    {
        var text = value.ToString();
        queue = text.Length == 0 ? null : text;
        return queue is null || NatsNames.IsValidQueue(queue);
    }

    /// <summary>The dead-letters page, filtered by <paramref name="queue"/> when one is given.</summary>
    private static string DeadPage(string root, string? queue)
        => queue is null ? root + "/dead" : root + "/dead?queue=" + Uri.EscapeDataString(queue);

    private static bool TryParseSequence(StringValues value, out ulong sequence)
        => ulong.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out sequence) && sequence > 0;
}
