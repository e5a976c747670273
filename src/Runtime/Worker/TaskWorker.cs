using Microsoft.Extensions.Hosting;

namespace TypedTasks.Worker;

/// <summary>Pulls tasks from the broker and runs them.</summary>
internal sealed class TaskWorker : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
}
