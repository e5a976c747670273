using TypedTasks;

namespace Samples.Web;

/// <summary>Which workers are up and what they run, from their heartbeats (Celery's <c>inspect</c>).</summary>
internal static class WorkerEndpoints
{
    /// <summary>Maps <c>GET /workers</c>: the live workers, and with <c>?lost=true</c> also those that stopped answering.</summary>
    public static IEndpointRouteBuilder MapWorkerEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/workers", async (IWorkerInspector workers, bool? lost, CancellationToken ct)
            => Results.Ok(await workers.ListAsync(lost == true ? WorkerListing.AliveAndLost : WorkerListing.Alive, ct)));
        return app;
    }
}
