using Microsoft.Extensions.DependencyInjection;

namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>The app of the chord and batch tests: the generated test tasks, a worker on the given queues and slots.</summary>
public static class WorkflowApp
{
    /// <summary>Starts an app on <paramref name="server"/>; two apps with the same <paramref name="prefix"/> and
    /// <paramref name="probe"/> are two workers of one deployment.</summary>
    public static Task<TestApp> StartAsync(NatsServer server, string[]? queues = null, string? prefix = null, Probe? probe = null, int concurrency = 4) => TestApp.StartAsync(
        server,
        prefix: prefix,
        probe: probe,
        tasks: b => b.AddTypedTasksIntegrationTestsTasks(),
        workerOptions: o =>
        {
            o.Queues = queues ?? ["default"];
            o.Concurrency = concurrency;
        });
}
