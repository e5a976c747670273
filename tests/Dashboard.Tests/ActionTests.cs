using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The operators' actions in a real browser: requeue a dead letter from its task page and see the task succeed, revoke a
/// running task with terminate, and the refusals — a read-only user sees no action and a forged POST gets 403, a POST
/// without the antiforgery token 400.
/// </summary>
public sealed class ActionTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    static ActionTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task DeadLetter_RequeuedFromItsTaskPage_ThenSucceeds_AndTheActionIsLogged()
    {
        var prefix = TestApp.NewPrefix();
        TaskHandle<int> handle;
        await using (var old = await TestApp.StartAsync(server, prefix: prefix, tasks: b => b.AddTask(HandWrittenTasks.Fail)))
        {
            // This worker does not know tests.echo yet: a dead letter, FAILURE in the backend.
            handle = await old.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(4), cancellationToken: Ct);
            await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        }

        await using var upgraded = await TestApp.StartAsync(server, prefix: prefix);
        var log = new CapturedLog();
        await using var dashboard = await DashboardHost.StartAsync(server, prefix, configureServices: b => b.Logging.AddProvider(log));
        var page = await chromium.NewPageAsync();

        await page.GotoAsync(dashboard.Dashboard + "/dead");
        await page.Locator("article.dead").GetByRole(AriaRole.Link, new() { Name = handle.Id }).ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("FAILURE");
        await page.GetByRole(AriaRole.Link, new() { Name = "Requeue", Exact = true }).ClickAsync();

        // The confirmation step: a page with the form, no JavaScript needed.
        await Expect(page.Locator("h1")).ToContainTextAsync("Requeue dead letter #");
        await Expect(page.Locator("dl.fields")).ToContainTextAsync("tests.echo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, requeue it" }).ClickAsync();

        // POST, then redirect to the task's page, which says what was done.
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(dashboard.Dashboard + "/tasks/" + handle.Id + "?done=")));
        await Expect(page.Locator(".outcome.ok")).ToContainTextAsync("Requeued dead letter #");
        Assert.Equal(8, await upgraded.Client.GetHandle(HandWrittenTasks.Echo, handle.Id).GetAsync(Timeout, Ct));
        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + handle.Id);
        await Expect(page.Locator("h1")).ToContainTextAsync("SUCCESS");
        await Expect(page.Locator("pre.json")).ToHaveTextAsync("8");
        await page.GotoAsync(dashboard.Dashboard + "/dead");
        await Expect(page.Locator("article.dead")).ToHaveCountAsync(0);

        Assert.Contains(log.Lines, l => l.StartsWith("400 Information", StringComparison.Ordinal) && l.Contains("anonymous (local development)", StringComparison.Ordinal)
            && l.Contains("requeue", StringComparison.Ordinal) && l.Contains(handle.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunningTask_RevokedWithTerminate_EndsRevoked()
    {
        await using var worker = await TestApp.StartAsync(server);
        // This app registers antiforgery itself (as Razor Pages or MVC do): the dashboard uses the app's.
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix, configureServices: b => b.Services.AddAntiforgery());
        var key = "terminated-" + Guid.NewGuid().ToString("N");
        var handle = await worker.Client.EnqueueAsync(HandWrittenTasks.BlockStarted, HandWrittenTasks.Key(key), cancellationToken: Ct);
        await worker.Probe.StartedSignal(key).Task.WaitAsync(Timeout, Ct);
        var page = await chromium.NewPageAsync();

        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + handle.Id);
        await Expect(page.Locator("h1")).ToContainTextAsync("STARTED");
        await page.GetByRole(AriaRole.Link, new() { Name = "Revoke and terminate" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke and terminate" }).ClickAsync();

        await Expect(page.Locator(".outcome.ok")).ToContainTextAsync("terminating it if it runs");
        await Expect(page.Locator("h1")).ToContainTextAsync("REVOKED");
        await Assert.ThrowsAsync<TaskRevokedException>(() => handle.GetAsync(Timeout, Ct));

        // The run itself was cancelled (its gate never opened): the worker's slot frees, and the state stays REVOKED.
        var inspector = worker.Host.Services.GetRequiredService<IWorkerInspector>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        while (await inspector.PingAsync(TimeSpan.FromMilliseconds(300), deadline.Token) is var answers && (answers.Count == 0 || answers.Sum(w => w.Busy) > 0))
        {
        }

        Assert.Equal(0, worker.Probe.Executions(key));
        await page.ReloadAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("REVOKED");
        await Expect(page.Locator("a.action")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ReadOnlyUser_SeesNoActions_AndAForgedPostIsForbidden()
    {
        await using var worker = await TestApp.StartAsync(server, tasks: b => b.AddTask(HandWrittenTasks.Echo), workerOptions: o => o.RemoteControl.AllowShutdown = true);
        var dead = await worker.Client.EnqueueAsync(HandWrittenTasks.NotRegistered, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(() => dead.GetAsync(Timeout, Ct));
        var log = new CapturedLog();
        await using var dashboard = await DashboardHost.StartWithRolesAsync(server, worker.Prefix, log);
        var monitor = await chromium.NewPageAsync(new Dictionary<string, string> { ["X-Test-User"] = "ada", ["X-Test-Role"] = "monitor" });
        var operatorPage = await chromium.NewPageAsync(new Dictionary<string, string> { ["X-Test-User"] = "grace", ["X-Test-Role"] = "operator" });

        // The operator sees the actions (so their absence below means something) …
        await operatorPage.GotoAsync(dashboard.Dashboard + "/dead");
        await Expect(operatorPage.Locator("a.action")).ToHaveCountAsync(3);
        await operatorPage.GotoAsync(dashboard.Dashboard + "/workers");
        await Expect(operatorPage.Locator("a.action", new() { HasText = "Shut down" })).ToHaveCountAsync(1);

        // … the read-only user none, on any page.
        foreach (var path in new[] { "/dead", "/workers", "/tasks/" + dead.Id, "/tasks/not-sent-yet" })
        {
            await monitor.GotoAsync(dashboard.Dashboard + path);
            await Expect(monitor.Locator("main h1")).ToBeVisibleAsync();
            await Expect(monitor.Locator("a.action, form[method='post']")).ToHaveCountAsync(0);
        }

        // The confirmation page and a POST made by hand are refused: 403, and nothing happens.
        Assert.Equal(403, (await monitor.APIRequest.GetAsync(dashboard.Dashboard + "/actions/purge")).Status);
        var forged = await monitor.APIRequest.PostAsync(dashboard.Dashboard + "/actions/purge", new()
        {
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" },
            DataString = "confirm=yes",
        });
        Assert.Equal(403, forged.Status);
        Assert.Contains("tasks-operators", await forged.TextAsync(), StringComparison.Ordinal);
        Assert.Single(await worker.Host.Services.GetRequiredService<IDeadLetters>().ListAsync(cancellationToken: Ct).ToListAsync(Ct));
        Assert.Contains(log.Lines, l => l.StartsWith("401 Warning", StringComparison.Ordinal) && l.Contains("ada", StringComparison.Ordinal) && l.Contains("purge", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PostWithoutAntiforgeryToken_IsRefused_AndTheFormWithItPurges()
    {
        await using var worker = await TestApp.StartAsync(server, tasks: b => b.AddTask(HandWrittenTasks.Echo));
        var dead = await worker.Client.EnqueueAsync(HandWrittenTasks.NotRegistered, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(() => dead.GetAsync(Timeout, Ct));
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard + "/dead");
        await page.GetByRole(AriaRole.Link, new() { Name = "Purge all" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Purge the 1 dead letter?");

        // The browser has the antiforgery cookie now; a POST without the form's token is still refused.
        var withoutToken = await page.APIRequest.PostAsync(dashboard.Dashboard + "/actions/purge", new()
        {
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" },
            DataString = "confirm=yes",
        });
        Assert.Equal(400, withoutToken.Status);
        Assert.Contains("antiforgery", await withoutToken.TextAsync(), StringComparison.Ordinal);
        var deadLetters = worker.Host.Services.GetRequiredService<IDeadLetters>();
        Assert.Single(await deadLetters.ListAsync(cancellationToken: Ct).ToListAsync(Ct));

        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete them" }).ClickAsync();
        await Expect(page.Locator(".outcome.ok")).ToHaveTextAsync("Purged 1 dead letter.");
        await Expect(page.Locator("article.dead")).ToHaveCountAsync(0);
        Assert.Empty(await deadLetters.ListAsync(cancellationToken: Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task ShutDown_IsOfferedOnlyToAWorkerThatAllowsIt_StopsIt_AndSaysWhenAWorkerRefuses()
    {
        var prefix = TestApp.NewPrefix();
        await using var refusing = await TestApp.StartAsync(server, prefix: prefix);
        await using var allowing = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.RemoteControl.AllowShutdown = true);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        allowing.Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping.Register(() => stopped.TrySetResult());
        await using var dashboard = await DashboardHost.StartAsync(server, prefix);
        var page = await chromium.NewPageAsync();

        // The heartbeat says which worker allows remote shutdown: only that one gets the action.
        await page.GotoAsync(dashboard.Dashboard + "/workers");
        await Expect(page.Locator("a.action", new() { HasText = "Shut down" })).ToHaveCountAsync(1);
        await Expect(page.Locator($"[id='worker-{allowing.WorkerService.Id}'] a.action")).ToHaveTextAsync("Shut down");
        await Expect(page.Locator($"[id='worker-{refusing.WorkerService.Id}'] a.action")).ToHaveCountAsync(0);
        await Expect(page.Locator($"[id='worker-{refusing.WorkerService.Id}']")).ToContainTextAsync("remote shutdown off");

        // Asked anyway (the confirmation page by its address), the refusing worker's answer decides, and the page says it.
        await page.GotoAsync(dashboard.Dashboard + "/actions/shutdown?worker=" + refusing.WorkerService.Id);
        await Expect(page.Locator("main")).ToContainTextAsync("Its heartbeat says remote shutdown is off on it");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, shut it down" }).ClickAsync();
        await Expect(page.Locator(".outcome.failed")).ToContainTextAsync("remote shutdown is off");

        await page.Locator($"[id='worker-{allowing.WorkerService.Id}'] a.action").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, shut it down" }).ClickAsync();
        await Expect(page.Locator(".outcome.ok")).ToContainTextAsync("is stopping");
        await stopped.Task.WaitAsync(Timeout, Ct);
        Assert.False(refusing.Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }
}
