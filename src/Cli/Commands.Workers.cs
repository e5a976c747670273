using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Protocol;

namespace TypedTasks.Cli;

/// <summary>The worker commands: <c>tt workers</c>, <c>tt ping</c>, <c>tt shutdown</c>.</summary>
internal sealed partial class Commands
{
    public async Task<int> WorkersAsync(bool includeLost, CancellationToken cancellationToken)
    {
        var workers = await services.GetRequiredService<IWorkerInspector>().ListAsync(includeLost ? WorkerListing.AliveAndLost : WorkerListing.Alive, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            return await WriteJsonAsync(workers.Select(WorkerJson)).ConfigureAwait(false);
        }

        if (workers.Count == 0)
        {
            await output.WriteLineAsync(includeLost ? "no workers (none has sent a heartbeat in the last hour)" : "no workers up").ConfigureAwait(false);
            return 0;
        }

        var now = DateTimeOffset.UtcNow;
        var rows = new List<string[]> { new[] { "WORKER", "STATE", "QUEUES", "BUSY", "DONE", "FAILED", "LAST HEARTBEAT" } };
        rows.AddRange(workers.Select(w => new[]
        {
            w.Id,
            w.IsAliveAt(now) ? "up" : "lost",
            string.Join(',', w.Queues),
            $"{w.Active.Count}/{w.Concurrency}",
            w.Processed.ToString(CultureInfo.InvariantCulture),
            w.Failed.ToString(CultureInfo.InvariantCulture),
            Ago(now - w.HeartbeatAt),
        }));
        await WriteTableAsync(rows).ConfigureAwait(false);
        foreach (var worker in workers)
        {
            foreach (var task in worker.Active)
            {
                await output.WriteLineAsync($"  {worker.Id} runs {task.TaskName}[{task.Id}] attempt {task.Attempt}, for {Ago(now - task.StartedAt)}").ConfigureAwait(false);
            }
        }

        return 0;
    }

    public async Task<int> PingAsync(TimeSpan? wait, CancellationToken cancellationToken)
    {
        var workers = await services.GetRequiredService<IWorkerInspector>().PingAsync(wait, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            await WriteJsonAsync(workers.Select(WorkerJson)).ConfigureAwait(false);
            return workers.Count == 0 ? 1 : 0;
        }

        if (workers.Count == 0)
        {
            await output.WriteLineAsync("no worker answered").ConfigureAwait(false);
            return 1;
        }

        foreach (var worker in workers)
        {
            await output.WriteLineAsync($"{worker.Id}: pong ({worker.Busy}/{worker.Concurrency} busy, {worker.Processed} done, queues {string.Join(',', worker.Queues)})").ConfigureAwait(false);
        }

        return 0;
    }

    public async Task<int> ShutdownAsync(string workerId, CancellationToken cancellationToken)
    {
        if (!await services.GetRequiredService<IWorkerInspector>().ShutdownAsync(workerId, cancellationToken).ConfigureAwait(false))
        {
            await output.WriteLineAsync($"no worker '{workerId}' answered (see tt workers; remote control may be off: TypedTasks:Worker:RemoteControl:Enabled)").ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync($"{workerId} is stopping: no new tasks; running ones finish within its grace period").ConfigureAwait(false);
        return 0;
    }

    /// <summary>A worker as its heartbeat is stored (docs/protocol.md, section 7a).</summary>
    private static JsonElement WorkerJson(WorkerInfo worker)
        => JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(worker, WorkerInfoJson.Default.WorkerInfo)).RootElement;
}
