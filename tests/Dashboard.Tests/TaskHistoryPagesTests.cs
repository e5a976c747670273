using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The task history (<c>TT_HISTORY</c>) in the dashboard, over a real nats-server and worker with task events on: the recent
/// tasks survive a restart of the dashboard's app, a task's page shows its state history (from the list, and from the stream
/// for a task the list no longer holds), and workflows: a group member's page links to its group, the workflows page lists
/// the group with its progress. What tasks put in events (an error message) is text.
/// </summary>
public sealed class TaskHistoryPagesTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const string ScriptInError = "<script>window.__xss = 'history'</script> & <b>bold</b>";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    static TaskHistoryPagesTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task RecentTasks_SurviveARestartOfTheDashboard_FromTheHistoryStream()
    {
        await using var worker = await TestApp.StartAsync(server, options: o => o.SendTaskEvents = true);
        var echo = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(4), cancellationToken: Ct);
        Assert.Equal(8, await echo.GetAsync(Timeout, Ct));
        var failing = await worker.Client.EnqueueAsync(HandWrittenTasks.Fail, HandWrittenTasks.Value(5), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(() => failing.GetAsync(Timeout, Ct));

        using var http = new HttpClient();
        await using (var first = await DashboardHost.StartAsync(server, worker.Prefix))
        {
            await first.RecentTasks.Seeded.WaitAsync(Timeout, Ct);
            await WaitUntilAsync(() => first.RecentTasks.Find(failing.Id)?.State == TaskState.Failure && first.RecentTasks.Find(echo.Id)?.State == TaskState.Success);
        }

        // A new app on the same server: nothing live has been seen, the list comes from the stream.
        await using var second = await DashboardHost.StartAsync(server, worker.Prefix);
        await second.RecentTasks.Seeded.WaitAsync(Timeout, Ct);
        Assert.NotNull(second.RecentTasks.Seed?.State);
        Assert.Equal(TaskState.Success, second.RecentTasks.Find(echo.Id)?.State);
        Assert.Equal(TaskState.Failure, second.RecentTasks.Find(failing.Id)?.State);
        var html = await http.GetStringAsync(second.Dashboard + "/tasks", Ct);
        Assert.Contains(echo.Id, html, StringComparison.Ordinal);
        Assert.Contains(failing.Id, html, StringComparison.Ordinal);
        Assert.Contains("survives a restart", html, StringComparison.Ordinal);
        var failures = await http.GetStringAsync(second.Dashboard + "/tasks?state=FAILURE", Ct);
        Assert.Contains(failing.Id, failures, StringComparison.Ordinal);
        Assert.DoesNotContain(echo.Id, failures, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskPage_ShowsARetryThenTheSuccess_InOrder_FromTheListAndFromTheStream()
    {
        await using var worker = await TestApp.StartAsync(server, options: o => o.SendTaskEvents = true);
        // A list of one task: the retried task leaves it when the next one runs, and its page reads the stream instead.
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix, options: new TypedTasksDashboardOptions { RecentTasks = 1 });
        await dashboard.RecentTasksListeningAsync();
        await dashboard.RecentTasks.Seeded.WaitAsync(Timeout, Ct);
        var flaky = await worker.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures("history-retry", 1), cancellationToken: Ct);
        await flaky.GetAsync(Timeout, Ct);
        await WaitUntilAsync(() => dashboard.RecentTasks.Find(flaky.Id) is { State: TaskState.Success } t && t.Events.Count(e => e.Kind != TaskEventKind.Sent) == 4);

        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + flaky.Id);
        await AssertRetryThenSuccessAsync(page, "the task events this dashboard keeps");

        var echo = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await echo.GetAsync(Timeout, Ct);
        await WaitUntilAsync(() => dashboard.RecentTasks.Find(flaky.Id) is null);
        await page.ReloadAsync();
        await AssertRetryThenSuccessAsync(page, "From the last 1,000 events of the task history");
        await DashboardPageTests.ShotAsync(page, "dashboard-task-history");

        static async Task AssertRetryThenSuccessAsync(Microsoft.Playwright.IPage page, string source)
        {
            var states = page.Locator("table.history tbody tr td:nth-child(2)");
            await Expect(states.Last).ToHaveTextAsync("SUCCESS");
            var texts = (await states.AllTextContentsAsync()).Where(s => s != "PENDING").ToList();
            Assert.Equal(["STARTED", "RETRY", "STARTED", "SUCCESS"], texts);
            var attempts = (await page.Locator("table.history tbody tr td:nth-child(4)").AllTextContentsAsync()).Where(a => a != "–").ToList();
            Assert.Equal(["1", "1", "2", "2"], attempts);
            await Expect(page.Locator("table.history")).ToContainTextAsync(typeof(IOException).FullName!);
            await Expect(page.Locator("main")).ToContainTextAsync(source);
        }
    }

    [Fact]
    public async Task ATaskThatEndedBeforeTheLastEvents_IsNotReadFromThem_AndTheLinkLooksFurtherBack()
    {
        await using var worker = await TestApp.StartAsync(server, options: o => o.SendTaskEvents = true);
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix, options: new TypedTasksDashboardOptions { RecentTasks = 1 });
        await dashboard.RecentTasksListeningAsync();
        var flaky = await worker.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures("history-deep", 1), cancellationToken: Ct);
        await flaky.GetAsync(Timeout, Ct);
        await WaitUntilAsync(() => dashboard.RecentTasks.Find(flaky.Id) is { State: TaskState.Success } t && t.Events.Count(e => e.Kind != TaskEventKind.Sent) == 4);

        // 1,100 later events of other tasks (as another publisher would send them, an hour ahead): the task's own events
        // are no longer among the last 1,000, nor the task in the list of one.
        await using (var nats = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = server.Url }))
        {
            var later = DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < 1_100; i++)
            {
                var json = $$"""{"kind":"Sent","id":"filler-{{i}}","taskName":"tests.filler","queue":"default","at":"{{later}}"}""";
                await nats.PublishAsync(worker.Connection.Names.TaskEventsPrefix + "sent", System.Text.Encoding.UTF8.GetBytes(json), cancellationToken: Ct);
            }

            await nats.PingAsync(Ct);
        }

        await WaitUntilAsync(() => dashboard.RecentTasks.Find("filler-1099") is not null);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(Timeout);
            while ((await TypedTasks.Client.TaskHistory.ReadStateAsync(worker.Connection, deadline.Token))!.Messages < 1_104)
            {
                await Task.Delay(50, deadline.Token); // core publishes are stored asynchronously; nothing to await on
            }
        }

        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + flaky.Id);
        await Expect(page.Locator("main")).ToContainTextAsync("Not looked up: this task ended");
        await Expect(page.Locator("table.history")).ToHaveCountAsync(0);
        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Look through the last 10,000 events" }).ClickAsync();
        await Expect(page.Locator("table.history tbody tr td:nth-child(2)").Last).ToHaveTextAsync("SUCCESS");
        var states = (await page.Locator("table.history tbody tr td:nth-child(2)").AllTextContentsAsync()).Where(s => s != "PENDING").ToList();
        Assert.Equal(["STARTED", "RETRY", "STARTED", "SUCCESS"], states);
        await Expect(page.Locator("main")).ToContainTextAsync("From the last 10,000 events of the task history");
    }

    [Fact]
    public async Task StateHistory_ShowsAnErrorFromTheTaskAsText()
    {
        await using var worker = await TestApp.StartAsync(server, tasks: b => b.AddHandWrittenTasks().AddTask(DashboardTasks.Explode), options: o => o.SendTaskEvents = true);
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        await dashboard.RecentTasksListeningAsync();
        var failed = await worker.Client.EnqueueAsync(DashboardTasks.Explode, DashboardTasks.Message(ScriptInError), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(() => failed.GetAsync(Timeout, Ct));
        await WaitUntilAsync(() => dashboard.RecentTasks.Find(failed.Id)?.State == TaskState.Failure);

        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + failed.Id);
        // The failed event's row, not the last one: the client's sent event may be stamped after the worker's (it is
        // published after the broker's acknowledgement, when the task may have run already).
        await Expect(page.Locator("table.history tbody tr", new() { HasText = "failed" })).ToContainTextAsync(ScriptInError);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined && document.querySelectorAll('main script, main b').length === 0"));
    }

    [Fact]
    public async Task GroupMember_LinksToItsGroup_AndTheWorkflowsPageListsItWithItsProgress()
    {
        await using var worker = await TestApp.StartAsync(server, options: o => o.SendTaskEvents = true);
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        await dashboard.RecentTasksListeningAsync();
        var groupId = "wf-" + Guid.NewGuid().ToString("N")[..10];
        var group = TaskGroup.Of(Enumerable.Range(1, 3).Select(i => new TaskCall<int>(HandWrittenTasks.Echo, HandWrittenTasks.Value(i))));
        var handle = await worker.Client.SendGroupAsync(group, new TaskOptions { TaskId = groupId }, Ct);
        Assert.Equal([2, 4, 6], await handle.GetAsync(Timeout, Ct));
        await WaitUntilAsync(() => Enumerable.Range(0, 3).All(n => dashboard.RecentTasks.Find($"{groupId}-{n}")?.State == TaskState.Success));

        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + groupId + "-1");
        await Expect(page.Locator("p.workflow")).ToContainTextAsync($"Member 1 of the group {groupId} (3 members).");
        await Expect(page.Locator("p.workflow a")).ToHaveAttributeAsync("href", "/tasks/tasks/" + groupId);
        await Expect(page.Locator("table.members tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("table.members tr.current")).ToContainTextAsync(groupId + "-1");
        await Expect(page.Locator("table.members .state-success")).ToHaveCountAsync(3);
        await Expect(page.Locator("main p.progress")).ToContainTextAsync("3 of 3 done, 0 failed");

        // The group's own page: the group, its members.
        await page.Locator("p.workflow a").ClickAsync();
        await Expect(page.Locator("p.workflow")).ToContainTextAsync("This is a group of 3 members.");

        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Workflows", Exact = true }).ClickAsync();
        var row = page.Locator("table.workflows tbody tr", new() { HasText = groupId });
        await Expect(row).ToContainTextAsync("group");
        await Expect(row).ToContainTextAsync("3 of 3 done, 0 failed");
        await DashboardPageTests.ShotAsync(page, "dashboard-workflows");
    }

    [Fact]
    public async Task ChainStep_LinksToItsChain_WithTheChainsStateAndItsSteps()
    {
        await using var worker = await TestApp.StartAsync(server, options: o => o.SendTaskEvents = true);
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        await dashboard.RecentTasksListeningAsync();
        var chainId = "chain-" + Guid.NewGuid().ToString("N")[..10];
        // echo(1) = 2 -> echo(2) = 4 -> echo(4) = 8, each step's result its next step's "value".
        var doubled = new PartialTaskCall<int, int>(HandWrittenTasks.Echo, "value", new JsonArguments("{}"));
        var chain = new TaskCall<int>(HandWrittenTasks.Echo, HandWrittenTasks.Value(1)).Then(doubled).Then(doubled);
        var handle = await worker.Client.SendChainAsync(chain, new TaskOptions { TaskId = chainId }, Ct);
        Assert.Equal(8, await handle.GetAsync(Timeout, Ct));
        await WaitUntilAsync(() => dashboard.RecentTasks.Find(chainId + "-2")?.State == TaskState.Success);

        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + chainId + "-2");
        await Expect(page.Locator("p.workflow")).ToContainTextAsync($"Step 2 of the chain {chainId} (3 steps).");
        await Expect(page.Locator("main p.progress")).ToContainTextAsync("3 of 3 done, 0 failed; the chain is SUCCESS");
        await Expect(page.Locator("table.members tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("table.members tr.current")).ToContainTextAsync(chainId + "-2");

        await page.GotoAsync(dashboard.Dashboard + "/workflows");
        var row = page.Locator("table.workflows tbody tr", new() { HasText = chainId });
        await Expect(row).ToContainTextAsync("chain");
        await Expect(row).ToContainTextAsync("3 of 3 done, 0 failed");
        await Expect(row.Locator(".state-success").First).ToBeVisibleAsync();
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
