using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using TypedTasks.Client;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.Topology;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The actions on one queue, in a real browser: purging a queue from the queues page (as <c>tt purge &lt;queue&gt;</c>),
/// refused to a read-only user; the dead letters of one queue, listed and requeued without touching the others.
/// </summary>
public sealed class QueueActionTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    static QueueActionTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task QueuePurge_FromTheQueuesPage_EmptiesAQueueNoWorkerServes_AndLogsTheUserAndTheCount()
    {
        // The worker serves "default" only: what is sent to the idle queue waits there.
        await using var worker = await TestApp.StartAsync(server);
        var idle = "idle-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 3; i++)
        {
            await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(i), new TaskOptions { Queue = idle }, Ct);
        }

        var log = new CapturedLog();
        await using var dashboard = await StartWithRolesAsync(worker.Prefix, log);
        var operatorPage = await chromium.NewPageAsync(new Dictionary<string, string> { ["X-Test-User"] = "grace", ["X-Test-Role"] = "operator" });

        await operatorPage.GotoAsync(dashboard.Dashboard + "/queues");
        await operatorPage.Locator("tr", new() { HasText = idle }).GetByRole(AriaRole.Link, new() { Name = "Purge" }).ClickAsync();

        // The confirmation says what goes, how many, and that it cannot be undone.
        await Expect(operatorPage.Locator("h1")).ToHaveTextAsync($"Purge queue {idle}?");
        await Expect(operatorPage.Locator("dl.fields")).ToContainTextAsync("Tasks to delete3");
        await Expect(operatorPage.Locator("main")).ToContainTextAsync("All 3 tasks stored for queue " + idle + " will be deleted");
        await Expect(operatorPage.Locator("main")).ToContainTextAsync("This cannot be undone.");
        await operatorPage.GetByRole(AriaRole.Button, new() { Name = "Yes, purge the queue" }).ClickAsync();

        await Expect(operatorPage).ToHaveURLAsync(new Regex("^" + Regex.Escape(dashboard.Dashboard + "/queues?done=")));
        await Expect(operatorPage.Locator(".outcome.ok")).ToContainTextAsync($"Purged queue {idle}: deleted 3 tasks.");
        await Expect(operatorPage.Locator("tr", new() { HasText = idle })).ToHaveCountAsync(0);
        var connection = worker.Host.Services.GetRequiredService<TypedTasksConnection>();
        var snapshot = await DeploymentQueries.ReadQueuesAsync(connection, Ct);
        Assert.DoesNotContain(snapshot.Queues, q => q.Queue == idle && q.Stored > 0);

        Assert.Contains(log.Lines, l => l.StartsWith("400 Information", StringComparison.Ordinal) && l.Contains("grace", StringComparison.Ordinal)
            && l.Contains("purge-queue", StringComparison.Ordinal) && l.Contains("queue " + idle, StringComparison.Ordinal) && l.Contains("3 tasks deleted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task QueuePurge_ReadOnlyUser_GetsForbidden_ForTheConfirmationAndThePost()
    {
        await using var worker = await TestApp.StartAsync(server);
        var idle = "idle-" + Guid.NewGuid().ToString("N")[..8];
        await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), new TaskOptions { Queue = idle }, Ct);
        var log = new CapturedLog();
        await using var dashboard = await StartWithRolesAsync(worker.Prefix, log);
        var monitor = await chromium.NewPageAsync(new Dictionary<string, string> { ["X-Test-User"] = "ada", ["X-Test-Role"] = "monitor" });

        await monitor.GotoAsync(dashboard.Dashboard + "/queues");
        await Expect(monitor.Locator("tr", new() { HasText = idle })).ToHaveCountAsync(1);
        await Expect(monitor.Locator("a.action")).ToHaveCountAsync(0);

        Assert.Equal(403, (await monitor.APIRequest.GetAsync(dashboard.Dashboard + "/actions/purge-queue?queue=" + idle)).Status);
        var forged = await monitor.APIRequest.PostAsync(dashboard.Dashboard + "/actions/purge-queue", new()
        {
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" },
            DataString = "queue=" + idle,
        });
        Assert.Equal(403, forged.Status);
        Assert.Contains("tasks-operators", await forged.TextAsync(), StringComparison.Ordinal);

        var snapshot = await DeploymentQueries.ReadQueuesAsync(worker.Host.Services.GetRequiredService<TypedTasksConnection>(), Ct);
        Assert.Equal(1, snapshot.Queues.Single(q => q.Queue == idle).Stored);
        Assert.Contains(log.Lines, l => l.StartsWith("401 Warning", StringComparison.Ordinal) && l.Contains("ada", StringComparison.Ordinal) && l.Contains("purge-queue", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeadLetters_FilteredByQueue_ListOnlyThatQueue_AndRequeueAllRequeuesOnlyThem()
    {
        var prefix = TestApp.NewPrefix();
        string[] queues = ["default", "other"];
        TaskHandle<int> onDefault;
        TaskHandle<int>[] onOther;
        await using (var old = await TestApp.StartAsync(server, prefix: prefix, tasks: b => b.AddTask(HandWrittenTasks.Fail), workerOptions: o => o.Queues = queues))
        {
            // This worker does not know tests.echo: dead letters on both queues.
            onDefault = await old.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);
            onOther =
            [
                await old.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), new TaskOptions { Queue = "other" }, Ct),
                await old.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(3), new TaskOptions { Queue = "other" }, Ct),
            ];
            foreach (var handle in onOther.Prepend(onDefault))
            {
                await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
            }
        }

        await using var upgraded = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.Queues = queues);
        var log = new CapturedLog();
        await using var dashboard = await DashboardHost.StartAsync(server, prefix, configureServices: b => b.Logging.AddProvider(log));
        var page = await chromium.NewPageAsync();

        await page.GotoAsync(dashboard.Dashboard + "/dead");
        await Expect(page.Locator("article.dead")).ToHaveCountAsync(3);
        await page.Locator("nav.filters").GetByRole(AriaRole.Link, new() { Name = "other (2)" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(dashboard.Dashboard + "/dead?queue=other");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Dead letters of queue other");
        await Expect(page.Locator("article.dead")).ToHaveCountAsync(2);
        foreach (var handle in onOther)
        {
            await Expect(page.Locator("article.dead", new() { HasText = handle.Id })).ToHaveCountAsync(1);
        }

        await Expect(page.Locator("article.dead", new() { HasText = onDefault.Id })).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Requeue all of queue other" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Requeue all 2 dead letters of queue other?");
        await Expect(page.Locator("main")).ToContainTextAsync("Every dead letter of queue other (and only those)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, requeue all" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(dashboard.Dashboard + "/dead?queue=other&done=")));
        await Expect(page.Locator(".outcome.ok")).ToHaveTextAsync("Requeued 2 dead letters of queue other.");
        Assert.Equal(4, await upgraded.Client.GetHandle(HandWrittenTasks.Echo, onOther[0].Id).GetAsync(Timeout, Ct));
        Assert.Equal(6, await upgraded.Client.GetHandle(HandWrittenTasks.Echo, onOther[1].Id).GetAsync(Timeout, Ct));
        await Expect(page.Locator("article.dead")).ToHaveCountAsync(0);

        // The other queue's dead letter is still there, alone.
        var left = await upgraded.Host.Services.GetRequiredService<IDeadLetters>().ListAsync(cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(onDefault.Id, Assert.Single(left).TaskId);
        await page.GotoAsync(dashboard.Dashboard + "/dead");
        await Expect(page.Locator("article.dead")).ToHaveCountAsync(1);
        await Expect(page.Locator("nav.filters")).ToContainTextAsync("default (1)");
        await Expect(page.Locator("nav.filters")).Not.ToContainTextAsync("other (");

        Assert.Contains(log.Lines, l => l.StartsWith("400 Information", StringComparison.Ordinal) && l.Contains("requeue-all", StringComparison.Ordinal)
            && l.Contains("the dead letters of queue other", StringComparison.Ordinal) && l.Contains("2 requeued", StringComparison.Ordinal));
    }

    /// <summary>A dashboard in Production with a read policy (monitor, operator) and an operator policy, users by header.</summary>
    private Task<DashboardHost> StartWithRolesAsync(string prefix, CapturedLog log)
        => DashboardHost.StartWithRolesAsync(server, prefix, log);
}
