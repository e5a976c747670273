using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Backend;
using TypedTasks.Client;
using TypedTasks.Protocol;

namespace TypedTasks.Cli;

/// <summary>The task commands: <c>tt tasks</c>, <c>tt send</c>, <c>tt status</c>, <c>tt revoke</c>.</summary>
internal sealed partial class Commands
{
    public async Task<int> StatusAsync(string id, CancellationToken cancellationToken)
    {
        var record = await services.GetRequiredService<NatsResultBackend>().GetAsync(id, cancellationToken).ConfigureAwait(false);
        await WriteRecordAsync(id, record).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The task catalog the workers publish (<c>TT_CATALOG</c>), at most <see cref="TaskCatalog.MaxTasks"/> tasks.</summary>
    public async Task<int> TasksAsync(CancellationToken cancellationToken)
    {
        var connection = Connection;
        var view = await TaskCatalog.ReadAllAsync(connection, TaskCatalog.MaxTasks, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            return await WriteJsonAsync(view.Entries.Select(e => JsonDocument.Parse(e.ToBytes()).RootElement)).ConfigureAwait(false);
        }

        if (view.Entries.Count == 0)
        {
            await output.WriteLineAsync(view.BucketExists
                ? $"no tasks in the task catalog {connection.Names.CatalogBucket}"
                : $"no task catalog on prefix '{connection.Options.Prefix}': no worker of this version has started (older workers publish none)").ConfigureAwait(false);
            return 0;
        }

        var rows = new List<string[]> { new[] { "TASK", "QUEUE", "ARGUMENTS", "RESULT" } };
        rows.AddRange(view.Entries.Select(e => new[] { e.Name, e.Queue, Signature(e), e.IgnoreResult ? "(ignored)" : e.Result ?? "-" }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        if (view.More)
        {
            await output.WriteLineAsync($"(only the first {TaskCatalog.MaxTasks} tasks of the catalog are listed)").ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>An entry's arguments on one line: <c>year: int, note: string? (optional)</c>; <c>?</c> when the worker does not describe them.</summary>
    internal static string Signature(TaskCatalogEntry entry)
        => entry.Arguments is not { } arguments ? "?"
            : arguments.Count == 0 ? "(none)"
            : string.Join(", ", arguments.Select(a => $"{a.Name}: {a.DotnetType ?? a.Type}{(a.Required ? string.Empty : " (optional)")}"));

    /// <summary>Sends task <paramref name="taskName"/> with <paramref name="arguments"/> (a JSON object, checked against the
    /// task catalog unless <paramref name="validate"/> is off; its queue is the default of <paramref name="queue"/>) through the
    /// client's own send path, so the message is one any application would send (docs/protocol.md §2); prints its id, and
    /// with <paramref name="wait"/> waits for its final state and prints the record (exit 1 unless SUCCESS). A refusal by the
    /// catalog sends nothing and exits 2.</summary>
    public async Task<int> SendAsync(string taskName, ReadOnlyMemory<byte> arguments, string? queue, string? id, TimeSpan? countdown, TimeSpan? wait, bool validate, CancellationToken cancellationToken)
    {
        if (validate)
        {
            var (entry, refusal) = await CheckAgainstCatalogAsync(taskName, arguments, cancellationToken).ConfigureAwait(false);
            if (refusal is not null)
            {
                await error.WriteLineAsync(refusal).ConfigureAwait(false);
                return 2;
            }

            queue ??= entry?.Queue;
        }

        queue ??= "default";

        // tt only sends: a worker runs the task by its own definition of the name.
        var task = new TaskDefinition(taskName, static _ => throw new InvalidOperationException("tt sends tasks; it never runs them.")) { Queue = queue };
        var options = new TaskOptions { TaskId = id, Countdown = countdown is { } span && span > TimeSpan.Zero ? span : null };
        // No result notification is asked for (no TT-Reply, nothing subscribed): without --wait nobody waits, and --wait
        // watches the record in the result backend, which the operator role may read but whose notifications it may
        // not subscribe to (docs/security.md). What is recorded is the same as for any send.
        var sentId = await services.GetRequiredService<TaskClient>().SendWithoutNotificationAsync(task, new RawTaskArguments(arguments), options, cancellationToken).ConfigureAwait(false);
        if (wait is not { } timeout)
        {
            await output.WriteLineAsync(json
                ? JsonSerializer.Serialize(new { id = sentId, task = taskName, queue })
                : sentId).ConfigureAwait(false);
            return 0;
        }

        if (!json)
        {
            await output.WriteLineAsync(sentId).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        TaskResultRecord record;
        try
        {
            record = await services.GetRequiredService<NatsResultBackend>().WaitForFinalAsync(sentId, local: false, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"task {sentId} was sent, but has no final state after {Span(timeout)}: it may still run (tt status {sentId})", ex);
        }

        await WriteRecordAsync(sentId, record).ConfigureAwait(false);
        return record.State == TaskState.Success ? 0 : 1;
    }

    /// <summary>A task's record as <c>tt status</c> prints it, or the state a missing record means.</summary>
    private async Task WriteRecordAsync(string id, TaskResultRecord? record)
    {
        if (json)
        {
            // The record as stored (docs/protocol.md, section 6), or the state a missing record means.
            await output.WriteLineAsync(record is null
                ? $"{{\"id\":{JsonSerializer.Serialize(id)},\"state\":\"PENDING\"}}"
                : Encoding.UTF8.GetString(ResultRecordSerializer.ToBytes(record))).ConfigureAwait(false);
            return;
        }

        if (record is null)
        {
            await output.WriteLineAsync($"{id}: PENDING (no record: queued, due later, unknown, expired, or a task that ignores its result)").ConfigureAwait(false);
            return;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{id}: {record.State.ToWireName()}\n");
        text.Append(CultureInfo.InvariantCulture, $"  task:      {record.TaskName}\n");
        text.Append(CultureInfo.InvariantCulture, $"  attempts:  {record.Attempts}\n");
        Line(text, "worker", record.Worker);
        Line(text, "sent", record.SentAt?.ToString("O", CultureInfo.InvariantCulture));
        Line(text, "started", record.StartedAt?.ToString("O", CultureInfo.InvariantCulture));
        Line(text, "completed", record.CompletedAt?.ToString("O", CultureInfo.InvariantCulture));
        Line(text, "next try", record.NextAttemptAt?.ToString("O", CultureInfo.InvariantCulture));
        if (record.Progress is { } progress)
        {
            Line(text, "progress", $"{progress.Fraction:P0}{(progress.Note is null ? string.Empty : " — " + progress.Note)}");
        }

        if (!record.ResultJson.IsEmpty)
        {
            Line(text, "result", Encoding.UTF8.GetString(record.ResultJson.Span));
        }

        if (record.Error is { } error)
        {
            Line(text, "error", $"{error.Type}: {error.Message}");
        }

        if (record.Chain is { } chain)
        {
            // A chain's record (docs/workflows.md): its steps are tasks <chain id>-0, -1, …
            Line(text, "chain", $"{chain.Steps} steps{(chain.Tasks.Count == 0 ? string.Empty : ": " + string.Join(" -> ", chain.Tasks))}");
            if (chain.FailedStep is { } step)
            {
                Line(text, "stopped at", $"step {step} ({chain.FailedTask}), task {id}-{step}");
            }
        }

        if (record.Group is { } group)
        {
            // A group's record (docs/workflows.md): its members are tasks <group id>-0, -1, …
            Line(text, "group", $"{group.Members} members, tasks {id}-0 to {id}-{group.Members - 1}");
        }

        await output.WriteAsync(text.ToString()).ConfigureAwait(false);
    }

    public async Task<int> RevokeAsync(string id, bool terminate, CancellationToken cancellationToken)
    {
        if (!NatsNames.IsValidTaskId(id))
        {
            throw new ArgumentException($"'{id}' is not a task id: 1 to 128 letters, digits, '-' and '_'.");
        }

        var store = services.GetRequiredService<NatsResultBackend>();
        var record = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        await store.RevokeAsync(id, record?.TaskName ?? string.Empty, terminate, cancellationToken).ConfigureAwait(false);
        var final = record?.State.IsFinal() == true ? $" (it had ended already: {record.State.ToWireName()})" : string.Empty;
        await output.WriteLineAsync($"revoked {id}{(terminate ? ", terminating it if it runs" : string.Empty)}{final}").ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Checks the task and its arguments against the catalog before <c>tt send</c> sends anything: the task's entry (its
    /// queue is the default), or a refusal naming what is wrong. No catalog at all (workers older than the catalog): a
    /// warning, and the task is sent unchecked.
    /// </summary>
    private async Task<(TaskCatalogEntry? Entry, string? Refusal)> CheckAgainstCatalogAsync(string taskName, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        var connection = Connection;
        var (entry, bucketExists) = await TaskCatalog.ReadAsync(connection, taskName, cancellationToken).ConfigureAwait(false);
        const string Skip = "; nothing was sent (tt tasks lists the catalog; --no-validate sends without this check)";
        if (entry is null)
        {
            var view = bucketExists ? await TaskCatalog.ReadAllAsync(connection, TaskCatalog.MaxTasks, cancellationToken).ConfigureAwait(false) : null;
            if (view is null || view.Entries.Count == 0)
            {
                await error.WriteLineAsync($"tt: warning: no task catalog on prefix '{connection.Options.Prefix}' (workers older than the catalog publish none): '{WireText.Bound(taskName)}' and its arguments were not checked").ConfigureAwait(false);
                return (null, null);
            }

            var close = TaskCatalog.CloseNames(taskName, view.Entries.Select(e => e.Name));
            var hint = close.Count > 0 ? "; did you mean " + string.Join(", ", close.Select(n => "'" + n + "'")) + "?" : string.Empty;
            return (null, $"tt: no task '{WireText.Bound(taskName)}' in the task catalog ({view.Entries.Count} tasks published by the workers){hint}{Skip}");
        }

        var problems = TaskCatalog.CheckArguments(entry, arguments);
        if (problems.Count == 0)
        {
            return (entry, null);
        }

        var text = new StringBuilder($"tt: the arguments do not fit task '{entry.Name}' ({Signature(entry)}){Skip}:");
        foreach (var problem in problems)
        {
            text.Append("\n  ").Append(problem);
        }

        return (entry, text.ToString());
    }

    private static void Line(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {name + ":",-10} {value}\n");
        }
    }
}
