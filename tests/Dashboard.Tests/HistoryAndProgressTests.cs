using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The overview's last-hour chart (from the live workers' heartbeats) and a task's typed progress on its page, in headless
/// Chromium over a real nats-server and worker.
/// </summary>
public sealed class HistoryAndProgressTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    static HistoryAndProgressTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task Overview_ChartsTheLastHour_FinishedRunsAndFailures()
    {
        await using var worker = await TestApp.StartAsync(
            server,
            tasks: b => b.AddHandWrittenTasks().AddTask(DashboardTasks.Explode),
            workerOptions: o => o.HeartbeatInterval = TimeSpan.FromSeconds(1));
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        var page = await chromium.NewPageAsync();

        // No run yet: no bar.
        await page.GotoAsync(dashboard.Dashboard);
        await Expect(page.Locator("#chart-totals")).ToContainTextAsync("over the last hour: 0, of which 0 failed");
        await Expect(page.Locator("figure.chart rect")).ToHaveCountAsync(0);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(2 * i, await (await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(i), cancellationToken: Ct)).GetAsync(Timeout, Ct));
        }

        var failed = await worker.Client.EnqueueAsync(DashboardTasks.Explode, DashboardTasks.Message("<b>no</b>"), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(() => failed.GetAsync(Timeout, Ct));
        // The chart reads the live workers' heartbeats: wait for one written after the four runs (alive or not: the count is
        // what is waited for; a worker beating every second stays "alive", three intervals, through a busy machine's pauses).
        var inspector = worker.Host.Services.GetRequiredService<IWorkerInspector>();
        IReadOnlyList<WorkerInfo> seen = [];
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(Timeout);
            try
            {
                while ((seen = await inspector.ListAsync(WorkerListing.AliveAndLost, deadline.Token)).Sum(w => w.LastHour.Sum(m => m.Processed)) < 4)
                {
                    // Heartbeats come every second; nothing to await on but the next one.
                    await Task.Delay(50, deadline.Token);
                }
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                Assert.Fail($"No heartbeat counted the four runs in {Timeout}; last seen at {DateTimeOffset.UtcNow:O}: "
                    + string.Join("; ", seen.Select(w => $"{w.Id} beat at {w.HeartbeatAt:O}, last hour {string.Join(",", w.LastHour.Select(m => $"{m.Minute:HH:mm}={m.Processed}/{m.Failed}"))}")));
            }
        }

        await page.ReloadAsync();
        await Expect(page.Locator("#chart-totals")).ToContainTextAsync("over the last hour: 4, of which 1 failed");
        await Expect(page.Locator("figure.chart rect.failed")).ToHaveCountAsync(1);
        Assert.InRange(await page.Locator("figure.chart rect.ok").CountAsync(), 1, 2);
        Assert.Contains("finished", await page.Locator("figure.chart title").First.TextContentAsync(), StringComparison.Ordinal);
        await DashboardPageTests.ShotAsync(page, "dashboard-overview-chart");
    }

    [Fact]
    public async Task TaskPage_ShowsTypedProgress_TheBarAndTheTasksOwnRecord()
    {
        await using var worker = await TestApp.StartAsync(server, tasks: b => b.AddHandWrittenTasks());
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        var handle = await worker.Client.EnqueueAsync(HandWrittenTasks.ProgressingTyped, HandWrittenTasks.Key("dash-typed"), cancellationToken: Ct);
        await worker.Probe.StartedSignal("dash-typed").Task.WaitAsync(Timeout, Ct);
        // The last of the task's 10,000 reports is written when the progress interval (1 s) ends.
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(Timeout);
            while ((await handle.GetRecordAsync(deadline.Token))?.Progress?.ReadData(TestJson.Default.ImportProgress)?.Rows != 9_999)
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Dashboard + "/tasks/" + handle.Id);
        await Expect(page.Locator("h1")).ToContainTextAsync("STARTED");
        await Expect(page.Locator("dl.fields progress")).ToHaveAttributeAsync("value", "100");
        await Expect(page.Locator("dl.fields pre.json")).ToContainTextAsync("\"Rows\": 9999");
        await Expect(page.Locator("dl.fields pre.json")).ToContainTextAsync("\"Stage\": \"import\"");
        await DashboardPageTests.ShotAsync(page, "dashboard-task-progress");

        worker.Probe.Gate("dash-typed").TrySetResult();
        Assert.Equal("dash-typed", await handle.GetAsync(Timeout, Ct));
    }
}
