using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// A task's arguments on its page from its sent event (<c>TypedTasks:TaskEventArgumentBytes</c>), for a task that is not a
/// dead letter, over a real nats-server and worker with task events on: pretty JSON when whole, HTML as text; the text and
/// "cut at" when the sender cut it; and the queue from the sent event when the task is read from the history stream.
/// </summary>
public sealed class TaskArgumentsPageTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const string ScriptInArguments = "<script>window.__xss = 'arguments'</script> & <b>bold</b>";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    static TaskArgumentsPageTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task TaskPage_ShowsTheArgumentsOfItsSentEvent_AsText()
    {
        await using var worker = await TestApp.StartAsync(server, options: o => o.SendTaskEvents = true);
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        await dashboard.RecentTasksListeningAsync();
        var task = await worker.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures(ScriptInArguments, 0), cancellationToken: Ct);
        await task.GetAsync(Timeout, Ct);
        await WaitUntilAsync(() => dashboard.RecentTasks.Find(task.Id) is { State: TaskState.Success } t && t.Events.Any(e => e.Kind == TaskEventKind.Sent));

        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + task.Id);
        // The first pre.json after the Arguments heading (the result above it is one too).
        var arguments = page.Locator("h2:has-text(\"Arguments\") ~ pre.json").First;
        await Expect(arguments).ToContainTextAsync("\"key\": \"" + ScriptInArguments + "\"");
        await Expect(arguments).ToContainTextAsync("\"failures\": 0");
        await Expect(page.Locator("main")).ToContainTextAsync("From the task's sent event");
        await Expect(page.Locator("main")).Not.ToContainTextAsync("The result backend does not keep");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined && document.querySelectorAll('main script, main b').length === 0"));
    }

    [Fact]
    public async Task ArgumentsCutBySender_AreShownAsCut_WithTheQueue_WhenReadFromTheHistoryStream()
    {
        await using var worker = await TestApp.StartAsync(server, options: o => { o.SendTaskEvents = true; o.TaskEventArgumentBytes = 24; });
        // A list of one task: the first task leaves it when the next one runs, and its page reads the stream instead.
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix, options: new TypedTasksDashboardOptions { RecentTasks = 1 });
        await dashboard.RecentTasksListeningAsync();
        await dashboard.RecentTasks.Seeded.WaitAsync(Timeout, Ct);
        var key = new string('k', 100);
        var cut = await worker.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures(key, 0), cancellationToken: Ct);
        await cut.GetAsync(Timeout, Ct);
        var next = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await next.GetAsync(Timeout, Ct);
        await WaitUntilAsync(() => dashboard.RecentTasks.Find(cut.Id) is null && dashboard.RecentTasks.Find(next.Id) is not null);

        using var http = new HttpClient();
        var html = await http.GetStringAsync(dashboard.Dashboard + "/tasks/" + cut.Id, Ct);

        // {"key":" is 8 bytes: the 24 bytes end after 16 of the key's.
        Assert.Contains("<pre class=\"json\">{&quot;key&quot;:&quot;" + new string('k', 16) + "</pre>", html, StringComparison.Ordinal);
        Assert.Contains("Cut at 24 bytes by the sender (TypedTasks:TaskEventArgumentBytes)", html, StringComparison.Ordinal);
        Assert.Contains("<dt>Queue</dt><dd>default</dd>", html, StringComparison.Ordinal);
        Assert.Contains("From the last 1,000 events of the task history", html, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Timeout);
        while (!condition())
        {
            // Polls an in-memory condition with a deadline; nothing else to await on.
            await Task.Delay(20, timeout.Token);
        }
    }
}
