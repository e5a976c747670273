using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Dashboard.Tests;

/// <summary>The roles of docs/security/nats-server.conf: the worker role publishes the task catalog, and a dashboard connected
/// as the monitor role (a read-only dashboard's app) lists it and reads one entry for a task's page.</summary>
public sealed class CatalogPageRoleTests(SecuredServer nats) : IClassFixture<SecuredServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MonitorRole_ReadsTheCatalogTheWorkerRolePublished()
    {
        // Started waits for the catalog: the worker role's entries are written (or the warning logged) by now.
        await using var worker = await nats.StartAsWorkerAsync();
        var handle = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);

        await using var dashboard = await nats.DashboardAsAsync("monitor");
        using var http = new HttpClient();

        var catalog = await http.GetAsync(dashboard.Dashboard + "/catalog", Ct);
        var catalogHtml = await catalog.Content.ReadAsStringAsync(Ct);
        Assert.True(catalog.IsSuccessStatusCode, catalogHtml);
        Assert.Contains("<tr id=\"task-tests.echo\">", catalogHtml, StringComparison.Ordinal);

        // The task's page names its task once the worker has stored its record: wait for it (bounded), reading the page.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        string taskHtml;
        while (true)
        {
            var task = await http.GetAsync(dashboard.Dashboard + "/tasks/" + handle.Id, timeout.Token);
            taskHtml = await task.Content.ReadAsStringAsync(timeout.Token);
            Assert.True(task.IsSuccessStatusCode, taskHtml);
            if (taskHtml.Contains("SUCCESS", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100, timeout.Token); // polls the page with a deadline; the worker's write has no event to await here
        }

        Assert.Contains("Signature of <a href=\"/tasks/catalog#task-tests.echo\">tests.echo</a>", taskHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("The task catalog could not be read", taskHtml, StringComparison.Ordinal);
    }
}
