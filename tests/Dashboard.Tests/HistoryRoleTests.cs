using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The roles of docs/security/nats-server.conf and the task history: the worker role, with task events on, creates
/// <c>TT_HISTORY</c>; an app connected as the monitor role fills its recent tasks from it and shows a task's state history.
/// </summary>
public sealed class HistoryRoleTests(SecuredServer nats) : IClassFixture<SecuredServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MonitorRole_FillsTheRecentTasksFromTheHistoryTheWorkerRoleCreated()
    {
        await using var worker = await nats.StartAsWorkerAsync(options: o => o.SendTaskEvents = true);
        var echo = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(3), cancellationToken: Ct);
        Assert.Equal(6, await echo.GetAsync(Timeout, Ct));
        // The worker publishes its last event after storing the record: wait until the stream holds it (bounded).
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(Timeout);
            while ((await TypedTasks.Client.TaskHistory.ReadStateAsync(worker.Connection, deadline.Token))?.Messages < 3)
            {
                await Task.Delay(50, deadline.Token); // core publishes are stored asynchronously; nothing to await on
            }
        }

        await using var dashboard = await nats.DashboardAsAsync("monitor");
        await dashboard.RecentTasks.Seeded.WaitAsync(Timeout, Ct);
        Assert.Null(dashboard.RecentTasks.Seed?.Error);
        Assert.Equal(TaskState.Success, dashboard.RecentTasks.Find(echo.Id)?.State);

        using var http = new HttpClient();
        var response = await http.GetAsync(dashboard.Dashboard + "/tasks/" + echo.Id, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, html);
        Assert.Contains("<table class=\"history\">", html, StringComparison.Ordinal);
        Assert.Contains(">succeeded<", html, StringComparison.Ordinal);
        Assert.DoesNotContain("could not be read", html, StringComparison.Ordinal);
    }
}
