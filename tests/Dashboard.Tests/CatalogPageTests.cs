using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Generated;
using TypedTasks.Integration.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The task types page (<c>/catalog</c>) over a real nats-server with a real worker: the catalog the worker published, one
/// row per task with its queue, arguments, result and options, names holding markup shown as text; and a task's own page
/// shows the signature of its type beside its arguments.
/// </summary>
public sealed class CatalogPageTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    /// <summary>A task name with markup (a name has no white space and no '&gt;': the reader refuses other entries).</summary>
    private const string ScriptName = "catalog.<script/src=x.js&amp;";

    private static readonly TaskDefinition<int> Described = new("dashboard.described", HandWrittenTasks.Echo.Invoker, TestJson.Default.Int32)
    {
        Queue = "described",
        MaxRetries = 1,
        TimeLimit = TimeSpan.FromMinutes(5),
        RateLimit = RateLimit.Parse("10/s"),
        ResultTypeName = "int",
        Arguments =
        [
            new TaskArgumentInfo("value", TaskArgumentKind.Integer, "int", isRequired: true, isNullable: false),
            new TaskArgumentInfo("<b>note</b>", TaskArgumentKind.String, "string?", isRequired: false, isNullable: true),
        ],
    };

    private static readonly TaskDefinition<int> ScriptNamed = new(ScriptName, HandWrittenTasks.Echo.Invoker, TestJson.Default.Int32) { Arguments = [] };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TaskTypes_ListTheCatalogAsText_AndATasksPageShowsItsSignature()
    {
        await using var worker = await TestApp.StartAsync(server, tasks: b => b.AddHandWrittenTasks().AddTask(Described).AddTask(ScriptNamed));
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        using var http = new HttpClient();

        var html = await http.GetStringAsync(dashboard.Dashboard + "/catalog", Ct);

        Assert.Contains("<h1>Task types</h1>", html, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\">Task types</a>", html, StringComparison.Ordinal);
        var row = Row(html, "dashboard.described");
        Assert.Contains("<td>described</td>", row, StringComparison.Ordinal);
        Assert.Contains("<li><code>value</code>: integer <span class=\"muted\">(int)</span>, required</li>", row, StringComparison.Ordinal);
        Assert.Contains("<li><code>&lt;b&gt;note&lt;/b&gt;</code>: string <span class=\"muted\">(string?)</span>, optional, nullable</li>", row, StringComparison.Ordinal);
        Assert.Contains("<td>int</td>", row, StringComparison.Ordinal);
        Assert.Contains("max retries 1, time limit 00:05:00, rate limit 10/s", row, StringComparison.Ordinal);
        Assert.Contains("not described by the worker", Row(html, HandWrittenTasks.Echo.Name), StringComparison.Ordinal);
        Assert.Contains("catalog.&lt;script/src=x.js&amp;amp;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script/src", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>note", html, StringComparison.Ordinal);

        var handle = await worker.Client.EnqueueAsync(Described, HandWrittenTasks.Value(21), cancellationToken: Ct);
        Assert.Equal(42, await handle.GetAsync(TimeSpan.FromSeconds(30), Ct));
        var task = await http.GetStringAsync(dashboard.Dashboard + "/tasks/" + handle.Id, Ct);
        var arguments = task[task.IndexOf("<h2>Arguments</h2>", StringComparison.Ordinal)..];
        Assert.Contains("Signature of <a href=\"/tasks/catalog#task-dashboard.described\">dashboard.described</a>", arguments, StringComparison.Ordinal);
        Assert.Contains("<li><code>value</code>: integer <span class=\"muted\">(int)</span>, required</li>", arguments, StringComparison.Ordinal);

        // In the browser: the page renders, the hostile name stays text, and the docs' screenshot is taken from it.
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard + "/catalog");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Task types");
        await Expect(page.Locator("main")).ToContainTextAsync("dashboard.described");
        Assert.True(await page.EvaluateAsync<bool>("() => document.querySelectorAll('main script').length === 0"));
        await DashboardPageTests.ShotAsync(page, "dashboard-task-types");
    }

    [Fact]
    public async Task TaskTypes_WithoutACatalog_SayWhy()
    {
        // No worker of this version on the prefix: no catalog bucket, as with older workers.
        await using var producer = await TestApp.StartAsync(server, worker: false);
        await using var dashboard = await DashboardHost.StartAsync(server, producer.Prefix);
        using var http = new HttpClient();

        var html = await http.GetStringAsync(dashboard.Dashboard + "/catalog", Ct);

        Assert.Contains($"No task catalog yet: the bucket {producer.Prefix.ToUpperInvariant()}_CATALOG does not exist.", html, StringComparison.Ordinal);
    }

    /// <summary>The table row of one task, from its id attribute to its end.</summary>
    private static string Row(string html, string taskName)
    {
        var start = html.IndexOf("<tr id=\"task-" + taskName + "\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row for {taskName}");
        return html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }
}
