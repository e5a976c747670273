using System.Globalization;
using Microsoft.AspNetCore.Http;
using NATS.Client.Core;
using TypedTasks.Client;
using TypedTasks.Protocol;

namespace TypedTasks.Dashboard.Internal;

/// <summary>The task types page (<c>/catalog</c>): the task catalog the workers publish, as <c>tt tasks</c> reads it; and a
/// task's signature on its own page.</summary>
internal sealed partial class DashboardApp
{
    private async Task CatalogAsync(HttpContext context)
    {
        var now = DateTimeOffset.UtcNow;
        var view = await TaskCatalog.ReadAllAsync(Connection, TaskCatalog.MaxTasks, context.RequestAborted).ConfigureAwait(false);
        var bucket = Connection.Names.CatalogBucket;
        var body = new Html().Raw("<h1>Task types</h1>");
        if (!view.BucketExists)
        {
            body.Raw("<p class=\"empty\">").Text(
                $"No task catalog yet: the bucket {bucket} does not exist. Every worker of this version writes its tasks there when it starts; older workers publish none.").Raw("</p>");
        }
        else if (view.Entries.Count == 0)
        {
            body.Raw("<p class=\"empty\">").Text($"No tasks in the task catalog {bucket}.").Raw("</p>");
        }
        else
        {
            body.Raw("<table class=\"catalog\"><thead><tr><th>Task</th><th>Queue</th><th>Arguments</th><th>Result</th><th>Options</th><th>Published</th></tr></thead><tbody>");
            foreach (var entry in view.Entries)
            {
                body.Raw("<tr id=").Attr("task-" + entry.Name).Raw("><td><code>").Text(entry.Name).Raw("</code></td><td>").Text(entry.Queue).Raw("</td><td>");
                Signature(body, entry);
                body.Raw("</td><td>").Text(entry.IgnoreResult ? "ignored" : entry.Result ?? "–").Raw("</td><td>").Text(Options(entry))
                    .Raw("</td><td>").Text(entry.App ?? entry.Version ?? "–").Raw("<br>").Time(entry.WrittenAt, now).Raw("</td></tr>");
            }

            body.Raw("</tbody></table>");
            if (view.More)
            {
                body.Raw("<p class=\"note\">").Text($"Only the first {TaskCatalog.MaxTasks} tasks of the catalog are shown.").Raw("</p>");
            }
        }

        body.Raw("<p class=\"note\">").Text(
            $"From the task catalog {bucket}, as tt tasks shows it: each worker writes one entry per task it serves when it starts (only when it changed). "
            + "Arguments are the properties of a task's JSON body, with the JSON kind the worker reads and the .NET type; tt send checks its arguments against them (docs/protocol.md).").Raw("</p>");
        await WritePageAsync(context, "Task types", "/catalog", body).ConfigureAwait(false);
    }

    /// <summary>On a task's page, beside its arguments: the signature of its type from the catalog, or why there is none.
    /// A catalog that cannot be read (a role without the right) leaves a note, never an error page.</summary>
    private async Task TaskSignatureAsync(HttpContext context, Html body, string? taskName)
    {
        if (taskName is null)
        {
            return;
        }

        TaskCatalogEntry? entry;
        try
        {
            (entry, _) = await TaskCatalog.ReadAsync(Connection, taskName, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException && !context.RequestAborted.IsCancellationRequested)
        {
            body.Raw("<p class=\"note\">The task catalog could not be read: ").Text(ex.Message).Raw("</p>");
            return;
        }

        body.Raw("<div class=\"signature\"><p class=\"note\">");
        if (entry is null)
        {
            body.Text("No entry for this task in the task catalog: no worker of this version has published it.").Raw("</p></div>");
            return;
        }

        body.Text("Signature of ").Link(Base(context) + "/catalog#task-" + Uri.EscapeDataString(entry.Name), entry.Name).Text($" (queue {entry.Queue}), from the task catalog:").Raw("</p>");
        Signature(body, entry);
        body.Raw("</div>");
    }

    /// <summary>An entry's arguments: name, JSON kind, .NET type, required or optional, nullable.</summary>
    private static void Signature(Html body, TaskCatalogEntry entry)
    {
        if (entry.Arguments is not { } arguments)
        {
            body.Raw("<span class=\"muted\">not described by the worker</span>");
            return;
        }

        if (arguments.Count == 0)
        {
            body.Raw("<span class=\"muted\">none</span>");
            return;
        }

        body.Raw("<ul class=\"arguments\">");
        foreach (var argument in arguments)
        {
            body.Raw("<li><code>").Text(argument.Name).Raw("</code>: ").Text(argument.Type)
                .Raw(" <span class=\"muted\">").Text(argument.DotnetType is { } type ? "(" + type + ")" : string.Empty).Raw("</span>")
                .Text(argument.Required ? ", required" : ", optional").Text(argument.Nullable ? ", nullable" : string.Empty).Raw("</li>");
        }

        body.Raw("</ul>");
    }

    private static string Options(TaskCatalogEntry entry)
    {
        var options = new List<string> { "max retries " + entry.MaxRetries.ToString(CultureInfo.InvariantCulture) };
        if (entry.SoftTimeLimit is { } soft)
        {
            options.Add("soft time limit " + soft.ToString("c", CultureInfo.InvariantCulture));
        }

        if (entry.TimeLimit is { } hard)
        {
            options.Add("time limit " + hard.ToString("c", CultureInfo.InvariantCulture));
        }

        if (entry.Expires is { } expires)
        {
            options.Add("expires " + expires.ToString("c", CultureInfo.InvariantCulture));
        }

        if (entry.RateLimit is { } rate)
        {
            options.Add("rate limit " + rate);
        }

        return string.Join(", ", options);
    }
}
