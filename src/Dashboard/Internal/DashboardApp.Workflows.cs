using System.Globalization;
using Microsoft.AspNetCore.Http;
using TypedTasks.Protocol;

namespace TypedTasks.Dashboard.Internal;

/// <summary>
/// Workflows (docs/workflows.md): on a task's page the chain or group it belongs to, with its siblings' states; and the
/// <c>/workflows</c> page, the workflows of the recent tasks with their progress. A workflow is found from its members' ids
/// (<c>&lt;workflow id&gt;-&lt;n&gt;</c>, <c>-callback</c>, <c>-error</c>) and its own record (chain or group info): no key listing.
/// </summary>
internal sealed partial class DashboardApp
{
    /// <summary>Members whose records a task page reads.</summary>
    internal const int WorkflowMembersShown = 50;

    /// <summary>Workflows the workflows page lists.</summary>
    internal const int WorkflowsListed = 50;

    /// <summary>Member records the workflows page reads in all for exact progress; past it, progress comes from the events kept.</summary>
    internal const int WorkflowRecordBudget = 1000;

    /// <summary>A workflow with at most this many members gets its progress from its members' records on the workflows page.</summary>
    internal const int WorkflowExactMembers = 100;

    /// <summary>Result records read at once.</summary>
    private const int ParallelReads = 16;

    /// <summary>What a workflow's record says: its kind, and its members' ids.</summary>
    private sealed record Workflow(string Id, string Kind, TaskResultRecord Record, int Members)
    {
        public string MemberId(int n) => PlanJson.TaskIdOf(Id, n);
    }

    /// <summary>
    /// The workflow an id may belong to and its place in it: <c>&lt;id&gt;-&lt;n&gt;</c> (a chain's step, a group's member),
    /// <c>&lt;id&gt;-callback</c> (a chord's or batch's callback), <c>&lt;id&gt;-error</c> (an error callback). Only a
    /// candidate: the workflow's record decides.
    /// </summary>
    internal static (string Parent, string Place)? ParentOf(string id)
    {
        var dash = id.LastIndexOf('-');
        if (dash <= 0 || dash == id.Length - 1)
        {
            return null;
        }

        var tail = id[(dash + 1)..];
        if (tail is "callback" or "error")
        {
            return (id[..dash], tail);
        }

        if (tail.Length <= 5 && tail.All(char.IsAsciiDigit) && (tail.Length == 1 || tail[0] != '0')
            && int.Parse(tail, NumberStyles.None, CultureInfo.InvariantCulture) < TaskGroup.MaxMembers)
        {
            return (id[..dash], tail);
        }

        return null;
    }

    private static Workflow? AsWorkflow(TaskResultRecord? record) => record switch
    {
        { Chain: { } chain } => new Workflow(record.Id, "chain", record, Math.Clamp(chain.Steps, 0, TaskChain<int>.MaxSteps)),
        { Group: { } group } => new Workflow(record.Id, "group", record, Math.Clamp(group.Members, 0, TaskGroup.MaxMembers)),
        _ => null,
    };

    /// <summary>Records of the given ids, <see cref="ParallelReads"/> at a time (null where there is none).</summary>
    private async Task<TaskResultRecord?[]> ReadRecordsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var records = new TaskResultRecord?[ids.Count];
        for (var start = 0; start < ids.Count; start += ParallelReads)
        {
            var reads = new Task[Math.Min(ParallelReads, ids.Count - start)];
            for (var i = 0; i < reads.Length; i++)
            {
                var index = start + i;
                reads[i] = ReadOne(index);
            }

            await Task.WhenAll(reads).ConfigureAwait(false);
        }

        return records;

        async Task ReadOne(int index) => records[index] = await Results.GetAsync(ids[index], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The workflow section of a task's page: the workflow it is, or the one it belongs to; nothing for a plain task.</summary>
    private async Task WriteWorkflowAsync(Html body, string root, string id, TaskResultRecord? record, CancellationToken cancellationToken)
    {
        var workflow = AsWorkflow(record);
        string? place = null;
        if (workflow is null && ParentOf(id) is { } parent && NatsNames.IsValidTaskId(parent.Parent))
        {
            workflow = AsWorkflow(await Results.GetAsync(parent.Parent, cancellationToken).ConfigureAwait(false));
            place = parent.Place;
        }

        if (workflow is null)
        {
            return;
        }

        var shown = Math.Min(workflow.Members, WorkflowMembersShown);
        var ids = Enumerable.Range(0, shown).Select(workflow.MemberId).Append(workflow.Id + ChordPlan.CallbackSuffix).ToList();
        var records = await ReadRecordsAsync(ids, cancellationToken).ConfigureAwait(false);
        var callback = records[^1];
        var kind = workflow.Kind == "group" && callback is not null ? "chord" : workflow.Kind;
        body.Raw("<h2>Workflow</h2><p class=\"workflow\">");
        if (place is null)
        {
            body.Text($"This is a {kind} of {workflow.Members:N0} {(workflow.Kind == "chain" ? "steps" : "members")}.");
        }
        else
        {
            body.Text(place switch
            {
                "callback" => "The callback of ",
                "error" => "The error callback of ",
                _ => workflow.Kind == "chain" ? $"Step {place} of " : $"Member {place} of ",
            }).Text($"the {kind} ").Link(root + "/tasks/" + Uri.EscapeDataString(workflow.Id), workflow.Id)
                .Text($" ({workflow.Members:N0} {(workflow.Kind == "chain" ? "steps" : "members")}).");
        }

        body.Raw("</p>");
        var members = records.Take(shown).ToList();
        WriteProgress(body, members, workflow.Members, exact: shown == workflow.Members, kind == "chain" ? workflow.Record.State : null);
        body.Raw("<table class=\"members\"><thead><tr><th class=\"num\">#</th><th>Task id</th><th>Task</th><th>State</th></tr></thead><tbody>");
        for (var n = 0; n < shown; n++)
        {
            var memberId = ids[n];
            var member = records[n];
            var current = string.Equals(memberId, id, StringComparison.Ordinal);
            body.Raw(current ? "<tr class=\"current\" aria-current=\"true\">" : "<tr>").Raw("<td class=\"num\">").Text(n.ToString(CultureInfo.InvariantCulture))
                .Raw("</td><td>").Link(root + "/tasks/" + Uri.EscapeDataString(memberId), memberId).Raw("</td><td>")
                .Text(member?.TaskName ?? (workflow.Record.Chain is { } chain && n < chain.Tasks.Count ? chain.Tasks[n] : "–"))
                .Raw("</td><td>").State(member?.State ?? TaskState.Pending).Raw("</td></tr>");
        }

        if (callback is not null)
        {
            body.Raw("<tr><td class=\"num\">callback</td><td>").Link(root + "/tasks/" + Uri.EscapeDataString(callback.Id), callback.Id).Raw("</td><td>")
                .Text(callback.TaskName).Raw("</td><td>").State(callback.State).Raw("</td></tr>");
        }

        body.Raw("</tbody></table>");
        if (shown < workflow.Members)
        {
            body.Raw("<p class=\"note\">").Text($"The first {shown} of {workflow.Members:N0} members (one record read each); open a member by its id, {workflow.Id}-<n>.").Raw("</p>");
        }
    }

    /// <summary>"n of m done, k failed" with a bar; <paramref name="exact"/> false: from the members read, a lower bound.</summary>
    private static void WriteProgress(Html body, IReadOnlyList<TaskResultRecord?> members, int total, bool exact, TaskState? chainState)
    {
        var done = members.Count(m => m?.State.IsFinal() == true);
        var failed = members.Count(m => m?.State is TaskState.Failure);
        var revoked = members.Count(m => m?.State is TaskState.Revoked);
        var value = total == 0 ? 0 : (int)Math.Round(100.0 * done / total);
        body.Raw("<p class=\"progress\"><progress max=\"100\" value=").Attr(value.ToString(CultureInfo.InvariantCulture)).Raw("></progress> <span class=\"done\">")
            .Text($"{(exact ? string.Empty : "at least ")}{done:N0} of {total:N0} done").Raw("</span>, <span class=\"failed\">").Text($"{failed:N0} failed").Raw("</span>")
            .Text(revoked > 0 ? $", {revoked:N0} revoked" : string.Empty);
        if (chainState is { } state)
        {
            body.Raw("; the chain is ").State(state);
        }

        body.Raw("</p>");
    }

    /// <summary>The workflows the recent tasks belong to, newest first, with their progress.</summary>
    private async Task WorkflowsAsync(HttpContext context)
    {
        var root = Base(context);
        var ct = context.RequestAborted;
        var body = new Html().Raw("<h1>Workflows</h1>");
        if (_options.RecentTasks == 0)
        {
            body.Raw("<p class=\"note\">The recent-tasks list is off (TypedTasksDashboardOptions.RecentTasks = 0), and workflows are found from it. Open a workflow by its id on the tasks page.</p>");
            await WritePageAsync(context, "Workflows", "/workflows", body).ConfigureAwait(false);
            return;
        }

        // Candidates: the parents of the recent tasks' ids, most recent first; their records decide.
        var recent = _recent.List(null, _recent.Capacity);
        var lastSeen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var candidates = new List<string>();
        foreach (var task in recent)
        {
            if (ParentOf(task.Id) is { } parent && NatsNames.IsValidTaskId(parent.Parent) && lastSeen.TryAdd(parent.Parent, task.At))
            {
                candidates.Add(parent.Parent);
                if (candidates.Count == WorkflowsListed * 2)
                {
                    break;
                }
            }
        }

        var parents = await ReadRecordsAsync(candidates, ct).ConfigureAwait(false);
        var workflows = parents.Select(AsWorkflow).OfType<Workflow>().Take(WorkflowsListed).ToList();
        if (workflows.Count == 0)
        {
            body.Raw("<p class=\"empty\">").Text($"No workflows among the {recent.Count:N0} recent tasks: no chain, group, chord or batch has sent task events lately.").Raw("</p>");
        }
        else
        {
            body.Raw("<table class=\"workflows\"><thead><tr><th>Workflow</th><th>Kind</th><th class=\"num\">Members</th><th>Progress</th><th>Record</th><th>Last event</th></tr></thead><tbody>");
            var budget = WorkflowRecordBudget;
            var now = DateTimeOffset.UtcNow;
            foreach (var workflow in workflows)
            {
                var exact = workflow.Members <= WorkflowExactMembers && workflow.Members + 1 <= budget;
                TaskResultRecord?[] members;
                TaskResultRecord? callback = null;
                if (exact)
                {
                    budget -= workflow.Members + 1;
                    var read = await ReadRecordsAsync(Enumerable.Range(0, workflow.Members).Select(workflow.MemberId).Append(workflow.Id + ChordPlan.CallbackSuffix).ToList(), ct).ConfigureAwait(false);
                    members = read[..^1];
                    callback = read[^1];
                }
                else
                {
                    // Too many to read per request: the members' last events the list keeps, a lower bound.
                    members = Enumerable.Range(0, workflow.Members).Select(n => _recent.Find(workflow.MemberId(n)) is { } t
                        ? new TaskResultRecord { Id = t.Id, TaskName = t.TaskName, State = t.State }
                        : null).ToArray();
                }

                var kind = workflow.Kind == "group" && callback is not null ? "chord" : workflow.Kind;
                body.Raw("<tr><td>").Link(root + "/tasks/" + Uri.EscapeDataString(workflow.Id), workflow.Id).Raw("</td><td>").Text(kind)
                    .Raw("</td><td class=\"num\">").Text(workflow.Members).Raw("</td><td>");
                WriteProgress(body, members, workflow.Members, exact, kind == "chain" ? workflow.Record.State : null);
                body.Raw("</td><td>").State(workflow.Record.State).Raw("</td><td>").Time(lastSeen[workflow.Id], now).Raw("</td></tr>");
            }

            body.Raw("</tbody></table>");
        }

        body.Raw("<p class=\"note\">").Text(
            $"Chains, groups, chords and batches whose members are among the {_recent.Capacity:N0} recent tasks (from the task history and the live task events), newest first, at most {WorkflowsListed}. "
            + $"Each is found from its members' ids (<workflow id>-<n>) and its own record in the result bucket (written at send unless TypedTasks:ResultBackend:RecordWorkflows is off). "
            + $"Progress reads the members' records for workflows of up to {WorkflowExactMembers} members; for larger ones it counts the members' last events kept (\"at least\"). "
            + "A group's own record stays PENDING: its members' records say whether it is done.").Raw("</p>");
        await WritePageAsync(context, "Workflows", "/workflows", body).ConfigureAwait(false);
    }
}
