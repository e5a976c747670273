using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Dashboard.Tests;

/// <summary>A nats-server running <c>docs/security/nats-server.conf</c> as documented, with the roles' passwords.</summary>
public sealed class SecuredServer : IAsyncLifetime
{
    public const string WorkerPassword = "worker-Pw-5d8a40";
    public const string MonitorPassword = "monitor-Pw-2e6c88";

    public NatsServer Server { get; } = new()
    {
        ConfigFile = RepositoryFile("docs/security/nats-server.conf"),
        Environment = new Dictionary<string, string>
        {
            ["TT_PRODUCER_PASSWORD"] = "producer-Pw-9c1e27",
            ["TT_WORKER_PASSWORD"] = WorkerPassword,
            ["TT_OPERATOR_PASSWORD"] = "operator-Pw-7b3f19",
            ["TT_MONITOR_PASSWORD"] = MonitorPassword,
        },
    };

    public ValueTask InitializeAsync() => Server.InitializeAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The monitor role of docs/security/nats-server.conf (what a read-only dashboard's app gets) reads both pages.</summary>
public sealed class ScheduledPagesRoleTests(SecuredServer nats) : IClassFixture<SecuredServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MonitorRole_ReadsTasksDueLaterAndPeriodicSchedules()
    {
        // A worker (its role creates the streams and, with a periodic task, the schedules bucket) on the conf's prefix "tt".
        await using var worker = await TestApp.StartAsync(
            nats.Server,
            prefix: "tt",
            options: o =>
            {
                o.Auth.Username = "worker";
                o.Auth.Password = SecuredServer.WorkerPassword;
                o.InboxPrefix = "_INBOX_worker";
            },
            services: s => s.AddSingleton(PeriodicSchedule.Create(new TaskCall(HandWrittenTasks.Echo, HandWrittenTasks.Value(1)), TimeSpan.FromHours(1), name: "role-hourly")));
        var later = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), new TaskOptions { Countdown = TimeSpan.FromHours(1) }, Ct);

        await using var dashboard = await DashboardHost.StartAsync(nats.Server, "tt", configureServices: b => b.Services.PostConfigure<TypedTasksOptions>(o =>
        {
            o.Auth.Username = "monitor";
            o.Auth.Password = SecuredServer.MonitorPassword;
            o.InboxPrefix = "_INBOX_monitor";
            o.CreateInfrastructure = false;
        }));
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
