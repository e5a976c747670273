using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The monitor role of docs/security/nats-server.conf may not read the task stream's messages, so the oldest waiting age
/// cannot be read there: the queues page still answers, with the other figures, and says so.
/// </summary>
public sealed class QueueFlowRoleTests(SecuredServer nats) : IClassFixture<SecuredServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MonitorRole_QueuesPageAnswers_WithoutTheOldestWaitingAge()
    {
        // The worker role's client creates the streams and sends a task; no worker serves it, so it waits.
        await using var producer = await nats.StartAsWorkerAsync(worker: false);
        await producer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);

        await using var dashboard = await nats.DashboardAsAsync("monitor");
        using var http = new HttpClient();

        for (var read = 0; read < 2; read++)
        {
            // The first read waits for the refused get's bounded timeout; the second skips the get.
            var response = await http.GetAsync(dashboard.Dashboard + "/queues", Ct);
            var html = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, html);
            Assert.Contains("<tr><td>default</td><td class=\"num\">1</td>", html, StringComparison.Ordinal);
            Assert.Contains("Oldest waiting could not be read", html, StringComparison.Ordinal);
            Assert.Contains("<td class=\"num oldest\">&#x2013;</td>", html, StringComparison.Ordinal);
        }
    }
}
