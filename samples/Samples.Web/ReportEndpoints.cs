using Samples.Tasks;
using TypedTasks;

namespace Samples.Web;

/// <summary>Reports: start one, poll its status, download the file; the same for the annual report, a chain of three tasks.</summary>
internal static class ReportEndpoints
{
    // The steps of ReportTasks.AnnualReport, in order: their records are under <chain id>-0, -1 and -2.
    private static readonly TaskDefinition[] AnnualReportSteps =
        [ReportTasks.GatherFiguresTask.Definition, ReportTasks.RenderReportTask.Definition, ReportTasks.NotifyReadyTask.Definition];

    /// <summary>The body of <c>POST /reports</c>.</summary>
    /// <param name="Year">The year reported on.</param>
    public sealed record ReportRequest(int Year);

    /// <summary>The answer of <c>GET /reports/{taskId}/status</c>.</summary>
    /// <param name="Status">The Celery state name: PENDING, STARTED, SUCCESS, FAILURE, ….</param>
    /// <param name="AssetId">The report's asset id once the task succeeded.</param>
    /// <param name="Error">Why the task failed, when it did.</param>
    /// <param name="Progress">How much is done, from 0 to 1, while it runs.</param>
    /// <param name="ProgressNote">What the task last said of its progress.</param>
    /// <param name="Figures">The task's own progress record: months and orders gathered so far.</param>
    public sealed record ReportStatus(string Status, int? AssetId, ReportError? Error, double? Progress = null, string? ProgressNote = null, GatherProgress? Figures = null);

    /// <summary>Why a report failed: the exception type and message from the worker (not its stack trace).</summary>
    /// <param name="Type">Full name of the exception type.</param>
    /// <param name="Message">The exception's message.</param>
    public sealed record ReportError(string Type, string Message);

    /// <summary>The body of <c>POST /reports/{year}/chain</c>.</summary>
    /// <param name="Notify">Who is emailed when the report is ready.</param>
    public sealed record AnnualReportRequest(string? Notify);

    /// <summary>One step of the annual report chain in <see cref="AnnualReportStatus"/>.</summary>
    /// <param name="Step">Its index, from 0.</param>
    /// <param name="Task">The task's name.</param>
    /// <param name="TaskId">The step's task id, <c>&lt;chain id&gt;-&lt;step&gt;</c>.</param>
    /// <param name="Status">Its state; PENDING also while it is not sent yet (as Celery says of an unknown id).</param>
    /// <param name="ProgressNote">What the step last said of its progress, while it runs.</param>
    public sealed record ChainStepStatus(int Step, string Task, string TaskId, string Status, string? ProgressNote);

    /// <summary>The answer of <c>GET /reports/chains/{chainId}</c>.</summary>
    /// <param name="Status">The chain's state: PENDING while steps run, then SUCCESS, FAILURE or REVOKED.</param>
    /// <param name="Steps">Each step's state.</param>
    /// <param name="Result">The last step's result once the chain succeeded.</param>
    /// <param name="FailedStep">The step that stopped the chain, when one did.</param>
    /// <param name="Error">That step's error.</param>
    public sealed record AnnualReportStatus(string Status, IReadOnlyList<ChainStepStatus> Steps, ReportNotice? Result, int? FailedStep, ReportError? Error);

    /// <summary>The answer of <c>GET /reports/comparisons/{comparisonId}</c>.</summary>
    /// <param name="Status">The comparison's state: PENDING while years are gathered and compared, then SUCCESS, FAILURE or
    /// REVOKED.</param>
    /// <param name="Years">How many years it compares.</param>
    /// <param name="YearsDone">How many of them are gathered (or failed).</param>
    /// <param name="Result">The comparison once it succeeded.</param>
    /// <param name="Error">Why it failed: a year that could not be gathered is named here.</param>
    public sealed record ComparisonStatus(string Status, int Years, int YearsDone, YearComparison? Result, ReportError? Error);

    /// <summary>The most years one comparison may span.</summary>
    private const int MaxComparedYears = 10;

    /// <summary>Maps <c>POST /reports</c>, <c>GET /reports/{taskId}/status</c> and <c>GET /reports/{taskId}/asset</c>; for the
    /// annual report chain <c>POST /reports/{year}/chain</c>, <c>GET /reports/chains/{chainId}</c> and
    /// <c>GET /reports/chains/{chainId}/asset</c>; for the comparison chord <c>POST /reports/compare/{from}/{to}</c> and
    /// <c>GET /reports/comparisons/{comparisonId}</c>.</summary>
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/reports", StartAsync);
        app.MapGet("/reports/{taskId}/status", GetStatusAsync);
        app.MapGet("/reports/{taskId}/asset", GetAssetAsync);
        // The chain ends with an email to an address the visitor types: limited as the feedback form is.
        app.MapPost("/reports/{year:int}/chain", StartAnnualAsync).RequireRateLimiting(FeedbackEndpoints.RateLimitPolicy);
        app.MapGet("/reports/chains/{chainId}", GetAnnualStatusAsync);
        app.MapGet("/reports/chains/{chainId}/asset", GetAnnualAssetAsync);
        app.MapPost("/reports/compare/{from:int}/{to:int}", StartComparisonAsync);
        app.MapGet("/reports/comparisons/{comparisonId}", GetComparisonAsync);
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
        var figures = record?.Progress?.ReadData(ProgressJson.Default.GatherProgress);
        return Results.Ok(new ReportStatus(state.ToWireName(), assetId, error, record?.Progress?.Fraction, record?.Progress?.Note, figures));
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

    private static async Task<IResult> StartAnnualAsync(int year, AnnualReportRequest request, ITaskClient tasks, ILogger<AnnualReportRequest> logger, CancellationToken ct)
    {
        if (year is < 1900 or > 2100)
        {
            return Results.BadRequest(new { error = "The year must be between 1900 and 2100." });
        }

        if (!FeedbackEndpoints.IsEmailAddress(request.Notify))
        {
            return Results.BadRequest(new { error = "A valid email address to notify is required." });
        }

        try
        {
            var handle = await tasks.SendChainAsync(ReportTasks.AnnualReport(year, request.Notify!), cancellationToken: ct);
            return Results.Accepted($"/reports/chains/{handle.Id}", new { chainId = handle.Id });
        }
        catch (TaskEnqueueException ex)
        {
            logger.LogError(ex, "The annual report could not be queued");
            return Results.Problem("The report could not be started. Please try again later.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> GetAnnualStatusAsync(string chainId, ITaskClient tasks, CancellationToken ct)
    {
        if (!TaskIds.IsValid(chainId))
        {
            return Results.BadRequest(new { error = "Not a chain id." });
        }

        // The chain's record is a task record under the chain's id, with the last step's result when it succeeded.
        var record = await tasks.NotifyReady().GetHandle(chainId).GetRecordAsync(ct);
        if (record is { Chain: null })
        {
            return Results.NotFound(new { error = "Not the id of a chain." });
        }

        var state = record?.State ?? TaskState.Pending;
        var steps = new List<ChainStepStatus>(AnnualReportSteps.Length);
        for (var i = 0; i < AnnualReportSteps.Length; i++)
        {
            var step = tasks.GetHandle(AnnualReportSteps[i], $"{chainId}-{i}");
            var stepRecord = await step.GetRecordAsync(ct);
            steps.Add(new ChainStepStatus(i, step.TaskName, step.Id, (stepRecord?.State ?? TaskState.Pending).ToWireName(), stepRecord?.Progress?.Note));
        }

        var result = state == TaskState.Success ? record!.GetResult(ReportTasks.NotifyReadyTask.Definition.ResultTypeInfo) : null;
        var error = record?.Error is { } e ? new ReportError(e.Type, e.Message) : null;
        return Results.Ok(new AnnualReportStatus(state.ToWireName(), steps, result, record?.Chain?.FailedStep, error));
    }

    private static async Task<IResult> GetAnnualAssetAsync(string chainId, ITaskClient tasks, AssetStore assets, CancellationToken ct)
    {
        if (!TaskIds.IsValid(chainId))
        {
            return Results.BadRequest(new { error = "Not a chain id." });
        }

        var (succeeded, notice) = await tasks.NotifyReady().GetHandle(chainId).TryGetResultAsync(ct);
        if (!succeeded || notice is null)
        {
            return Results.NotFound(new { error = "The report is not ready." });
        }

        var path = assets.Find(notice.AssetId);
        return path is null
            ? Results.NotFound(new { error = $"Asset {notice.AssetId} is gone." })
            : Results.File(path, "text/csv", $"report-{notice.Year}-{chainId}{Path.GetExtension(path)}");
    }

    private static async Task<IResult> StartComparisonAsync(int from, int to, ITaskClient tasks, ILogger<ComparisonStatus> logger, CancellationToken ct)
    {
        if (from is < 1900 or > 2100 || to is < 1900 or > 2100 || to < from || to - from >= MaxComparedYears)
        {
            return Results.BadRequest(new { error = $"Compare 1 to {MaxComparedYears} years between 1900 and 2100, the first one first." });
        }

        try
        {
            // The handle is the callback's: its id is "<group id>-callback", and its result the comparison.
            var handle = await tasks.SendChordAsync(ReportTasks.Comparison(from, to), cancellationToken: ct);
            return Results.Accepted($"/reports/comparisons/{handle.Id}", new { comparisonId = handle.Id });
        }
        catch (TaskEnqueueException ex)
        {
            logger.LogError(ex, "The comparison could not be queued");
            return Results.Problem("The comparison could not be started. Please try again later.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> GetComparisonAsync(string comparisonId, ITaskClient tasks, CancellationToken ct)
    {
        const string Suffix = "-callback";
        if (!TaskIds.IsValid(comparisonId) || !comparisonId.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return Results.BadRequest(new { error = "Not a comparison id." });
        }

        // The group's record says how many years; each year is a task of its own under <group id>-<n>.
        var groupId = comparisonId[..^Suffix.Length];
        var group = await tasks.GatherFigures().GetHandle(groupId).GetRecordAsync(ct);
        if (group?.Group is not { } info)
        {
            return Results.NotFound(new { error = "Not the id of a comparison." });
        }

        var done = await tasks.GetGroupHandle(ReportTasks.GatherFiguresTask.Definition, groupId, info.Members).CountFinishedAsync(ct);
        var record = await tasks.CompareYears().GetHandle(comparisonId).GetRecordAsync(ct);
        var state = record?.State ?? TaskState.Pending;
        var result = state == TaskState.Success ? record!.GetResult(ReportTasks.CompareYearsTask.Definition.ResultTypeInfo) : null;
        var error = record?.Error is { } e ? new ReportError(e.Type, e.Message) : null;
        return Results.Ok(new ComparisonStatus(state.ToWireName(), info.Members, done, result, error));
    }
}
