using Microsoft.Playwright;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The dashboard in headless Chromium, over a real nats-server with a real worker: every page renders the deployment's
/// data, a failed task shows its error, and text from tasks (arguments, error messages) is shown as text, never run.
/// </summary>
public sealed class DashboardPageTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const string ScriptInError = "<script>window.__xss = 'error'</script> went wrong & <b>bold</b>";

    private const string ScriptInArgument = "<script>window.__xss = 'argument'</script>";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    static DashboardPageTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task EveryPage_RendersTheDeploymentsData_AndAFailedTaskShowsItsError()
    {
        await using var worker = await TestApp.StartAsync(server, tasks: b => b.AddHandWrittenTasks().AddTask(DashboardTasks.Explode), options: o => o.SendTaskEvents = true);
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        await dashboard.RecentTasksListeningAsync();

        var echo = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);
        Assert.Equal(42, await echo.GetAsync(Timeout, Ct));
        var failed = await worker.Client.EnqueueAsync(DashboardTasks.Explode, DashboardTasks.Message(ScriptInError), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(() => failed.GetAsync(Timeout, Ct));
        // Arguments the worker cannot decode: a dead letter, and FAILURE in the backend.
        var dead = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, new JsonArguments("{\"value\":" + System.Text.Json.JsonSerializer.Serialize(ScriptInArgument) + "}"), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(() => dead.GetAsync(Timeout, Ct));
        await WaitUntilAsync(() => dashboard.RecentTasks.Find(failed.Id)?.State == TaskState.Failure && dashboard.RecentTasks.Find(echo.Id)?.State == TaskState.Success);

        var page = await chromium.NewPageAsync();

        // Overview: the worker, the queue, the dead letter.
        var response = await page.GotoAsync(dashboard.Dashboard);
        Assert.Equal(200, response!.Status);
        await Expect(page).ToHaveTitleAsync("Overview · TypedTasks");
        await Expect(page.Locator("[data-live='workers.alive']")).ToHaveTextAsync("1");
        await Expect(page.Locator("[data-live='dead']")).ToHaveTextAsync("1");
        await Expect(page.Locator("[data-live='queue.default.workers']")).ToHaveTextAsync("1");
        await Expect(page.Locator("main table")).ToContainTextAsync("default");
        await ShotAsync(page, "dashboard-overview");

        // Queues: the same figures as tt queues, with the consumer.
        await page.GetByRole(AriaRole.Link, new() { Name = "Queues", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Queues");
        var row = page.Locator("tbody tr", new() { HasText = "default" });
        await Expect(row).ToContainTextAsync(worker.Prefix + "_default");

        // Workers: id, host, pid, version, queues, slots, counts.
        await page.GetByRole(AriaRole.Link, new() { Name = "Workers", Exact = true }).ClickAsync();
        var workerRow = page.Locator("tbody tr").First;
        await Expect(workerRow).ToContainTextAsync("up");
        await Expect(workerRow).ToContainTextAsync(Environment.MachineName);
        await Expect(workerRow).ToContainTextAsync(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(workerRow).ToContainTextAsync("/2");

        // Tasks: recent ones by state, from the task events.
        await page.GetByRole(AriaRole.Link, new() { Name = "Tasks", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = echo.Id })).ToBeVisibleAsync();
        await ShotAsync(page, "dashboard-tasks");
        await page.GetByRole(AriaRole.Link, new() { Name = "FAILURE (" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = failed.Id })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = echo.Id })).ToHaveCountAsync(0);

        // Search by id leads to the task: SUCCESS and its result.
        await page.GetByLabel("Task id").FillAsync(echo.Id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(dashboard.Dashboard + "/tasks/" + echo.Id);
        await Expect(page.Locator("h1")).ToContainTextAsync("SUCCESS");
        // The result, then the arguments from the task's sent event (events are on).
        await Expect(page.Locator("pre.json").First).ToHaveTextAsync("42");
        await Expect(page.Locator("h2:has-text(\"Arguments\") ~ pre.json").First).ToContainTextAsync("\"value\": 21");
        await Expect(page.Locator("dl.fields")).ToContainTextAsync("tests.echo");

        // The failed task: its error type and message, as text.
        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + failed.Id);
        await Expect(page.Locator("h1")).ToContainTextAsync("FAILURE");
        await Expect(page.Locator(".error-type")).ToHaveTextAsync("System.InvalidOperationException");
        await Expect(page.Locator(".error-message")).ToHaveTextAsync(ScriptInError);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined && document.querySelectorAll('main script, main b').length === 0"));
        await ShotAsync(page, "dashboard-task-failure");

        // Dead letters: reason, headers and body; the argument holding <script> is text.
        await page.GetByRole(AriaRole.Link, new() { Name = "Dead letters", Exact = true }).ClickAsync();
        var letter = page.Locator("article.dead");
        await Expect(letter).ToHaveCountAsync(1);
        await Expect(letter.Locator(".reason")).Not.ToBeEmptyAsync();
        await letter.Locator("summary").ClickAsync();
        await Expect(letter.Locator("table.headers")).ToContainTextAsync("TT-Task");
        await Expect(letter.Locator("pre.json")).ToContainTextAsync(ScriptInArgument);
        await ShotAsync(page, "dashboard-dead-letters");

        // From the dead letter to its task: the arguments, pretty-printed, as text.
        await letter.GetByRole(AriaRole.Link, new() { Name = dead.Id }).ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("FAILURE");
        await Expect(page.Locator("pre.json")).ToContainTextAsync("\"value\": \"" + ScriptInArgument + "\"");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined && document.querySelectorAll('main script').length === 0"));
    }

    /// <summary>With <c>TT_DASHBOARD_SCREENSHOTS=&lt;dir&gt;</c> (scripts/dashboard-screenshots.sh), the pages this test has
    /// just checked are saved there as PNG for the docs; otherwise nothing.</summary>
    internal static async Task ShotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("TT_DASHBOARD_SCREENSHOTS") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
        }
    }

    [Fact]
    public async Task Overview_UpdatesItsNumbersLive_WithoutAReload()
    {
        await using var first = await TestApp.StartAsync(server);
        await using var dashboard = await DashboardHost.StartAsync(server, first.Prefix, options: new TypedTasksDashboardOptions { LiveInterval = TimeSpan.FromMilliseconds(500) });
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard);
        await Expect(page.Locator("[data-live='workers.alive']")).ToHaveTextAsync("1");
        // The script connected: its status line says so.
        await Expect(page.Locator("#live-status")).ToContainTextAsync("Live: updated");
        await page.EvaluateAsync("() => { window.__samePage = true; }");

        await using var second = await TestApp.StartAsync(server, prefix: first.Prefix);

        await Expect(page.Locator("[data-live='workers.alive']")).ToHaveTextAsync("2");
        await Expect(page.Locator("[data-live='queue.default.workers']")).ToHaveTextAsync("2");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__samePage === true"), "the page was reloaded");
    }

    [Fact]
    public async Task Pages_WorkWithoutJavaScript()
    {
        await using var worker = await TestApp.StartAsync(server);
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard);
        await Expect(page.Locator("[data-live='workers.alive']")).ToHaveTextAsync("1");
        await Expect(page.Locator("#live-status")).ToContainTextAsync("reload for newer ones");
        await page.GetByRole(AriaRole.Link, new() { Name = "Tasks", Exact = true }).ClickAsync();
        await page.GetByLabel("Task id").FillAsync("no-such-task");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("PENDING");
        await context.CloseAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            // Polls an in-memory condition with a deadline; nothing else to await on.
            await Task.Delay(20, timeout.Token);
        }
    }
}
