using TypedTasks;

namespace Samples.Web;

/// <summary>How many workers are up and how busy they are, from their heartbeats (Celery's <c>inspect</c>).</summary>
internal static class WorkerEndpoints
{
    /// <summary>
    /// Maps <c>GET /workers</c>: a public summary of the live workers, and with <c>?lost=true</c> also those that stopped
    /// answering. The page is anonymous, so it leaves out what only operators need — host names, process ids and the ids
    /// of running tasks (docs/security.md); <c>tt workers</c> shows those to whoever holds the operator's credentials.
    /// </summary>
    public static IEndpointRouteBuilder MapWorkerEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/workers", async (IWorkerInspector workers, bool? lost, CancellationToken ct) =>
        {
            var listed = await workers.ListAsync(lost == true ? WorkerListing.AliveAndLost : WorkerListing.Alive, ct);
            var now = TimeProvider.System.GetUtcNow();
            return Results.Ok(listed
                .OrderBy(w => w.StartedAt)
                .Select((w, i) => new WorkerSummary($"worker {i + 1}", w.IsAliveAt(now), w.Queues, w.Concurrency, w.Busy, w.Processed, w.Failed, w.StartedAt))
                .ToList());
        });
        return app;
    }

    /// <summary>What an anonymous visitor may see of one worker.</summary>
    internal sealed record WorkerSummary(
        string Name,
        bool Alive,
        IReadOnlyList<string> Queues,
        int Concurrency,
        int Busy,
        long Processed,
        long Failed,
        DateTimeOffset StartedAt);
}
