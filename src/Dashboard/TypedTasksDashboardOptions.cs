namespace TypedTasks.Dashboard;

/// <summary>
/// Settings of the dashboard mounted by
/// <see cref="Microsoft.AspNetCore.Builder.DashboardEndpointRouteBuilderExtensions.MapTypedTasksDashboard(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, string, TypedTasksDashboardOptions?)"/>.
/// </summary>
/// <remarks>
/// Who may look is decided by the app's authorization policies. With neither <see cref="ReadPolicy"/> nor
/// <see cref="OperatorPolicy"/>, the dashboard answers only requests from the local machine (loopback) while the app runs
/// in the <c>Development</c> environment, and <c>403 Forbidden</c> with a message saying how to set a policy otherwise;
/// there, acting is allowed too. Who may act is decided by <see cref="OperatorPolicy"/>.
/// </remarks>
public sealed class TypedTasksDashboardOptions
{
    /// <summary>
    /// The authorization policy a user must satisfy to see the dashboard (queues, workers, tasks with their arguments,
    /// results and errors, dead letters). Default <see langword="null"/>: see the remarks of
    /// <see cref="TypedTasksDashboardOptions"/>. Register the policy with <c>services.AddAuthorization(…)</c>.
    /// </summary>
    public string? ReadPolicy { get; set; }

    /// <summary>
    /// The authorization policy of operators, who may act: requeue one or all dead letters, purge them, revoke a task (and
    /// terminate it), shut a worker down. Each action is a POST with an antiforgery token after a confirmation page, and is
    /// logged with the user's name. When <see cref="ReadPolicy"/> is <see langword="null"/> and this is set, seeing the
    /// dashboard needs this policy too. Default <see langword="null"/>: with no policy at all, acting is allowed where
    /// looking is (local requests in Development); with only a <see cref="ReadPolicy"/>, nobody may act.
    /// </summary>
    public string? OperatorPolicy { get; set; }

    /// <summary>How many dead letters one page shows, 1 to 500. Default 50.</summary>
    public int DeadLettersPageSize { get; set; } = 50;

    /// <summary>
    /// How many bytes of a task's arguments, result or a dead letter's body a page shows before it cuts the rest (the
    /// page says how large the whole was). Default 64 KiB.
    /// </summary>
    public int MaxJsonBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How many tasks the recent-tasks list keeps in memory, each with its last events (its state history): filled at start
    /// from the task history stream (<c>TT_HISTORY</c>, the last <c>5 × RecentTasks</c> events, at most 100,000), then from
    /// the live task events (workers and clients send them with <c>TypedTasks:SendTaskEvents=true</c>); 0 turns the list
    /// off. Default 1,000.
    /// </summary>
    public int RecentTasks { get; set; } = 1000;

    /// <summary>How often the overview's live numbers are refreshed (server-sent events). Default 2 s.</summary>
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromSeconds(2);
}
