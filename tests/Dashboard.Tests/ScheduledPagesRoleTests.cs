using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Dashboard.Tests;

/// <summary>The monitor role of docs/security/nats-server.conf (what a read-only dashboard's app gets) reads both pages.</summary>
public sealed class ScheduledPagesRoleTests(SecuredServer nats) : IClassFixture<SecuredServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MonitorRole_ReadsTasksDueLaterAndPeriodicSchedules()
    {
        // A worker (its role creates the streams and, with a periodic task, the schedules bucket) on the conf's prefix "tt".
        await using var worker = await nats.StartAsWorkerAsync(
            services: s => s.AddSingleton(PeriodicSchedule.Create(new TaskCall(HandWrittenTasks.Echo, HandWrittenTasks.Value(1)), TimeSpan.FromHours(1), name: "role-hourly")));
        var later = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), new TaskOptions { Countdown = TimeSpan.FromHours(1) }, Ct);

        await using var dashboard = await nats.DashboardAsAsync("monitor");
        using var http = new HttpClient();

        var scheduled = await http.GetAsync(dashboard.Dashboard + "/scheduled", Ct);
        var scheduledHtml = await scheduled.Content.ReadAsStringAsync(Ct);
        Assert.True(scheduled.IsSuccessStatusCode, scheduledHtml);
        Assert.Contains(later.Id, scheduledHtml, StringComparison.Ordinal);

        // The worker writes its schedule at start-up, in the background: wait for it (bounded), reading the page.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        string periodicHtml;
        while (true)
        {
            var periodic = await http.GetAsync(dashboard.Dashboard + "/periodic", timeout.Token);
            periodicHtml = await periodic.Content.ReadAsStringAsync(timeout.Token);
            Assert.True(periodic.IsSuccessStatusCode, periodicHtml);
            if (periodicHtml.Contains("role-hourly", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100, timeout.Token); // polls the page with a deadline; the worker's write has no event to await
        }

        Assert.Contains("every 01:00:00", periodicHtml, StringComparison.Ordinal);
        Assert.Contains("tests.echo", periodicHtml, StringComparison.Ordinal);
    }
}
