using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Client;
using TypedTasks.Protocol;
using TypedTasks.Semantics;

namespace TypedTasks.Dashboard.Internal;

/// <summary>
/// The actions on what waits for later (issue 13): a periodic schedule run once now or removed (<c>/periodic</c>), a task
/// due later cancelled or run now (<c>/scheduled</c>). They go through <see cref="ConfirmAsync"/> and <see cref="ActAsync"/>
/// like every action (operator policy, confirmation, antiforgery token, a log line with the user's name), and through
/// the code <c>tt</c> runs (<see cref="DeploymentActions"/>, <see cref="IPeriodicSchedules"/>).
/// </summary>
internal sealed partial class DashboardApp
{
    /// <summary>What the confirmation page of a schedule or due-later action shows.</summary>
    private readonly record struct Confirmation(string Title, string Button, string Back, bool Danger);

    /// <summary>What a schedule or due-later action did, for the log line and the message.</summary>
    private readonly record struct Acted(string Target, string Back, bool Ok, string Outcome, string Message);

    /// <summary>What a code-declared schedule's removal means; the periodic page and the confirmation say it.</summary>
    internal const string CodeScheduleNote =
        "A schedule a worker's code declares ([Periodic], AddPeriodic) comes back when a worker with that code starts: it writes the code's definition again. Remove it from the code as well.";

    private ITaskClient Sender => _services.GetRequiredService<ITaskClient>();

    private IPeriodicSchedules Schedules => _services.GetRequiredService<IPeriodicSchedules>();

    /// <summary>The nav entry an action's pages belong to.</summary>
    private static string ActionPage(string action) => action switch
    {
        "shutdown" => "/workers",
        "revoke" or "terminate" => "/tasks",
        "purge-queue" => "/queues",
        "run-schedule" or "remove-schedule" => "/periodic",
        "cancel-due" or "run-due" => "/scheduled",
        _ => "/dead",
    };

    /// <summary>GET: what the schedule or due-later action will do; null when the page was answered already (nothing to act on).</summary>
    private async Task<Confirmation?> ConfirmScheduleActionAsync(HttpContext context, string action, Html about, List<(string Name, string Value)> fields)
    {
        var root = Base(context);
        var query = context.Request.Query;
        var ct = context.RequestAborted;
        if (action is "run-schedule" or "remove-schedule")
        {
            var name = query["name"].ToString();
            if (!PeriodicSyntax.IsValidName(name))
            {
                await NotFoundAsync(context, "Periodic schedule", $"'{name}' is not a schedule name: {PeriodicSyntax.NameFix}.", root + "/periodic").ConfigureAwait(false);
                return null;
            }

            var record = await DeploymentActions.ReadScheduleAsync(Connection, name, ct).ConfigureAwait(false);
            if (record is null || record.Removed)
            {
                await NotFoundAsync(context, "Periodic schedule", record is null ? $"No schedule '{name}'." : $"Schedule '{name}' is removed already.", root + "/periodic").ConfigureAwait(false);
                return null;
            }

            about.Raw("<dl class=\"fields\">");
            Field(about, "Task", record.Task);
            Field(about, "Queue", record.Queue);
            Field(about, "When", record.Cron is { } cron ? $"cron {cron} ({record.TimeZone})" : "every " + record.Every);
            Field(about, "Defined by", (record.Source ?? ScheduleRecord.FromCode) + (record.DefinedBy is { } by ? " (" + by + ")" : string.Empty));
            TimeField(about, "Next occurrence", DeploymentQueries.NextOccurrence(record, DateTimeOffset.UtcNow), DateTimeOffset.UtcNow);
            about.Raw("</dl>");
            fields.Add(("name", name));
            if (action == "run-schedule")
            {
                about.Raw("<p>").Text($"Its task is sent once now, with the schedule's arguments, to queue {record.Queue} through the client's send path, as tt schedules run {name}: "
                    + "a new task id, and a PENDING record. The schedule itself is not touched: its last and next occurrence stay as they are.").Raw("</p>");
                return new Confirmation($"Run schedule {name} now?", "Yes, run it now", root + "/periodic", Danger: false);
            }

            about.Raw("<p>").Text($"No worker sends it any more, from now on and without a restart (as tt schedules remove {name} --yes). Its record stays, listed as removed, with its last occurrence.").Raw("</p>");
            if (record.Source is null or ScheduleRecord.FromCode)
            {
                about.Raw("<p class=\"error\">").Text(CodeScheduleNote).Raw("</p>");
            }

            return new Confirmation($"Remove schedule {name}?", "Yes, remove it", root + "/periodic", Danger: true);
        }

        if (!TryParseSequence(query["seq"], out var seq))
        {
            await NotFoundAsync(context, "Due later", "No sequence of a task due later given.", root + "/scheduled").ConfigureAwait(false);
            return null;
        }

        if (await DeploymentActions.ReadDueTaskAsync(Connection, seq, ct).ConfigureAwait(false) is not { } task)
        {
            await NotFoundAsync(context, "Due later", $"Nothing waits at sequence {seq}: it reached its queue, or was cancelled or run already.", root + "/scheduled").ConfigureAwait(false);
            return null;
        }

        var now = DateTimeOffset.UtcNow;
        about.Raw("<dl class=\"fields\">");
        Field(about, "Task", task.TaskName ?? "(no task name)");
        Field(about, "Task id", task.TaskId ?? "(none)");
        Field(about, "Queue", task.Queue);
        TimeField(about, "Due", task.DueAt, now);
        Field(about, "Attempt", task.Attempt.ToString(CultureInfo.InvariantCulture) + (task.Attempt > 1 ? " (a retry)" : string.Empty));
        about.Raw("</dl>");
        fields.Add(("seq", seq.ToString(CultureInfo.InvariantCulture)));
        var what = task.TaskId is { } id ? "task " + id : $"the task at sequence {seq}";
        if (action == "cancel-due")
        {
            about.Raw("<p>").Text("It never runs: the waiting message is deleted, and its id is revoked first as tt revoke does, so that a worker refuses it should it reach its queue meanwhile. "
                + "Its state becomes REVOKED unless it has finished (a task that keeps no record gets only the revocation). This cannot be undone.").Raw("</p>");
            return new Confirmation($"Cancel {what}?", "Yes, cancel it", root + "/scheduled", Danger: true);
        }

        about.Raw("<p>").Text($"It goes to queue {task.Queue} now instead of when it is due, as it would then: the same id, arguments and attempt.").Raw("</p>");
        return new Confirmation($"Run {what} now?", "Yes, run it now", root + "/scheduled", Danger: false);
    }

    /// <summary>POST (operator policy and token checked already): the action; null when the request was refused (400).</summary>
    private async Task<Acted?> ActOnScheduleAsync(HttpContext context, string action, IFormCollection form)
    {
        var root = Base(context);
        var ct = context.RequestAborted;
        if (action is "run-schedule" or "remove-schedule")
        {
            var name = form["name"].ToString();
            if (!PeriodicSyntax.IsValidName(name))
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, $"The form's schedule name is not valid: {PeriodicSyntax.NameFix}.\n").ConfigureAwait(false);
                return null;
            }

            var back = root + "/periodic";
            var target = "schedule " + name;
            if (action == "run-schedule")
            {
                // The same as tt schedules run <name>: the task call sent once through the client; the record untouched.
                var run = await DeploymentActions.RunScheduleNowAsync(Connection, Sender, name, ct).ConfigureAwait(false);
                return run switch
                {
                    null => new Acted(target, back, false, "no such schedule", $"No schedule '{name}'."),
                    { TaskId: null } => new Acted(target, back, false, "removed, not run", $"Schedule '{name}' is removed: not run."),
                    { TaskId: { } id, Schedule: var s } => new Acted(target, back, true, "sent as task " + id,
                        $"Sent schedule {name}'s task {s.Task} to queue {s.Queue} now, as task {id}. Its next occurrence is unchanged."),
                };
            }

            // The same as tt schedules remove <name>: IPeriodicSchedules, a tombstone every scheduler sees.
            // Read first (never creating the schedules bucket for a name that is not there), for what the message says.
            var record = await DeploymentActions.ReadScheduleAsync(Connection, name, ct).ConfigureAwait(false);
            if (record is null || record.Removed || await Schedules.RemoveAsync(name, ct).ConfigureAwait(false) is null)
            {
                return new Acted(target, back, false, "no such schedule or removed already", $"No schedule '{name}', or it is removed already.");
            }

            var fromCode = record.Source is null or ScheduleRecord.FromCode;
            return new Acted(target, back, true, "removed", $"Removed schedule {name}: no worker sends it any more." + (fromCode ? " " + CodeScheduleNote : string.Empty));
        }

        if (!TryParseSequence(form["seq"], out var seq))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "No sequence of a task due later in the form.\n").ConfigureAwait(false);
            return null;
        }

        var scheduled = root + "/scheduled";
        var acted = action == "cancel-due"
            ? await DeploymentActions.CancelDueTaskAsync(Connection, Results, seq, ct).ConfigureAwait(false)
            : await DeploymentActions.RunDueTaskNowAsync(Connection, seq, ct).ConfigureAwait(false);
        if (acted is null)
        {
            return new Acted($"task due later #{seq}", scheduled, false, "nothing waits there", $"Nothing waits at sequence {seq}: it reached its queue, or was cancelled or run already.");
        }

        var task = acted.Task;
        var named = (task.TaskId is { } taskId ? "task " + taskId : "the task") + (task.TaskName is { } taskName ? $" ({taskName})" : string.Empty);
        var about = $"task due later #{seq}" + (task.TaskId is { } shownId ? $" (task {shownId})" : string.Empty);
        if (action == "cancel-due")
        {
            return new Acted(about, scheduled, true, acted.Removed ? "cancelled" : "revoked (it had reached its queue)", acted.Removed
                ? $"Cancelled {named}: removed from the tasks due later, and revoked."
                : $"Revoked {named}: it had just reached queue {task.Queue}, where workers refuse it.");
        }

        return new Acted(about, scheduled, true, "sent to queue " + task.Queue, $"Moved {named} to queue {task.Queue}: it runs now instead of when it was due.");
    }

    /// <summary>The cell of a row's actions on the periodic or due-later page: links to their confirmation pages.</summary>
    private static void ActionCell(Html body, string root, string key, string value, params (string Action, string Label, bool Danger)[] actions)
    {
        body.Raw("<td class=\"actions\">");
        foreach (var (action, label, danger) in actions)
        {
            ActionLink(body, root + "/actions/" + action + "?" + key + "=" + Uri.EscapeDataString(value), label, danger);
        }

        body.Raw("</td>");
    }
}
