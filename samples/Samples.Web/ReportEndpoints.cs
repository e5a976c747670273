using Samples.Tasks;
using TypedTasks;

namespace Samples.Web;

/// <summary>Reports: start one, poll its status, download the file.</summary>
internal static class ReportEndpoints
{
    /// <summary>The body of <c>POST /reports</c>.</summary>
    /// <param name="Year">The year reported on.</param>
    public sealed record ReportRequest(int Year);

    /// <summary>The answer of <c>GET /reports/{taskId}/status</c>.</summary>
    /// <param name="Status">The Celery state name: PENDING, STARTED, SUCCESS, FAILURE, ….</param>
    /// <param name="AssetId">The report's asset id once the task succeeded.</param>
    /// <param name="Error">Why the task failed, when it did.</param>
    public sealed record ReportStatus(string Status, int? AssetId, ReportError? Error, double? Progress = null, string? ProgressNote = null);

    /// <summary>Why a report failed: the exception type and message from the worker (not its stack trace).</summary>
    /// <param name="Type">Full name of the exception type.</param>
    /// <param name="Message">The exception's message.</param>
    public sealed record ReportError(string Type, string Message);

    /// <summary>Maps <c>POST /reports</c>, <c>GET /reports/{taskId}/status</c> and <c>GET /reports/{taskId}/asset</c>.</summary>
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/reports", StartAsync);
        app.MapGet("/reports/{taskId}/status", GetStatusAsync);
        app.MapGet("/reports/{taskId}/asset", GetAssetAsync);
        return app;
    }

    private static async Task<IResult> StartAsync(ReportRequest request, ITaskClient tasks, ILogger<ReportRequest> logger, CancellationToken ct)
    {
        if (request.Year is < 1900 or > 2100)
        {
            return Results.BadRequest(new { error = "The year must be between 1900 and 2100." });
        }

        try
        {
            var handle = await tasks.GenerateReport().DelayAsync(request.Year, ct);
            return Results.Accepted($"/reports/{handle.Id}/status", new { taskId = handle.Id });
        }
        catch (TaskEnqueueException ex)
        {
            // The reason is for the log (it names servers and users), not for the visitor.
            logger.LogError(ex, "The report could not be queued");
            return Results.Problem("The report could not be started. Please try again later.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> GetStatusAsync(string taskId, ITaskClient tasks, CancellationToken ct)
    {
        if (!TaskIds.IsValid(taskId))
        {
            return Results.BadRequest(new { error = "Not a task id." });
        }

        var handle = tasks.GenerateReport().GetHandle(taskId);
        var record = await handle.GetRecordAsync(ct);
        var state = record?.State ?? TaskState.Pending;
        int? assetId = null;
        if (state == TaskState.Success)
        {
            var (succeeded, result) = await handle.TryGetResultAsync(ct);
            assetId = succeeded ? result : null;
        }

        var error = record?.Error is { } e ? new ReportError(e.Type, e.Message) : null;
        return Results.Ok(new ReportStatus(state.ToWireName(), assetId, error, record?.Progress?.Fraction, record?.Progress?.Note));
    }

    private static async Task<IResult> GetAssetAsync(string taskId, ITaskClient tasks, AssetStore assets, CancellationToken ct)
    {
        if (!TaskIds.IsValid(taskId))
        {
            return Results.BadRequest(new { error = "Not a task id." });
        }

        var (succeeded, assetId) = await tasks.GenerateReport().GetHandle(taskId).TryGetResultAsync(ct);
        if (!succeeded)
        {
            return Results.NotFound(new { error = "The report is not ready." });
        }

        var path = assets.Find(assetId);
        return path is null
            ? Results.NotFound(new { error = $"Asset {assetId} is gone." })
            : Results.File(path, "text/csv", $"report-{taskId}{Path.GetExtension(path)}");
    }
}
