using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Client;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.Topology;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The roles of docs/security/nats-server.conf: the monitor role reads the dead letters of one queue, and the operator
/// role purges a queue from the dashboard — no right beyond those the file gives.
/// </summary>
public sealed partial class QueueActionRoleTests(SecuredServer nats) : IClassFixture<SecuredServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MonitorReadsOneQueuesDeadLetters_AndOperatorPurgesAQueue()
    {
        await using var worker = await nats.StartAsWorkerAsync(tasks: b => b.AddTask(HandWrittenTasks.Echo));
        var dead = await worker.Client.EnqueueAsync(HandWrittenTasks.NotRegistered, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(() => dead.GetAsync(Timeout, Ct));
        await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), new TaskOptions { Queue = "idle" }, Ct);

        await using (var monitor = await nats.DashboardAsAsync("monitor"))
        {
            using var http = new HttpClient();
            var page = await http.GetAsync(monitor.Dashboard + "/dead?queue=default", Ct);
            var html = await page.Content.ReadAsStringAsync(Ct);
            Assert.True(page.IsSuccessStatusCode, html);
            Assert.Contains(dead.Id, html, StringComparison.Ordinal);
            Assert.Contains("1 dead letter of queue default", html, StringComparison.Ordinal);
        }

        await using var operatorDashboard = await nats.DashboardAsAsync("operator");
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var client = new HttpClient(handler);
        var confirm = await client.GetStringAsync(operatorDashboard.Dashboard + "/actions/purge-queue?queue=idle", Ct);
        // The form's hidden fields: the queue, and the antiforgery token (its field name is the antiforgery options').
        var token = HiddenField().Matches(confirm).Single(m => m.Groups["name"].Value != "queue");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["queue"] = "idle", [token.Groups["name"].Value] = WebUtility.HtmlDecode(token.Groups["value"].Value) });
        var posted = await client.PostAsync(operatorDashboard.Dashboard + "/actions/purge-queue", form, Ct);
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var outcome = await client.GetStringAsync(new Uri(new Uri(operatorDashboard.Address), posted.Headers.Location!), Ct);
        Assert.Contains("Purged queue idle: deleted 1 task.", outcome, StringComparison.Ordinal);
        var snapshot = await DeploymentQueries.ReadQueuesAsync(worker.Host.Services.GetRequiredService<TypedTasksConnection>(), Ct);
        Assert.DoesNotContain(snapshot.Queues, q => q.Queue == "idle" && q.Stored > 0);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\">")]
    private static partial Regex HiddenField();
}
