namespace TypedTasks;

/// <summary>
/// Marks a method of a <c>partial</c> type as a task: work that a worker runs later.
/// The TypedTasks generator adds a typed proxy (<c>DelayAsync</c>, <c>ApplyAsync</c>, <c>AsyncResult</c>)
/// and an entry in the dispatcher table for every method marked with it.
/// </summary>
/// <remarks>
/// The method may be static or an instance method (the instance comes from a DI scope created for each
/// execution), synchronous or asynchronous (<c>void</c>, <c>T</c>, <c>Task</c>, <c>Task&lt;T&gt;</c>,
/// <c>ValueTask</c>, <c>ValueTask&lt;T&gt;</c>). <see cref="System.Threading.CancellationToken"/> parameters
/// receive the worker's token; parameters marked <see cref="FromServicesAttribute"/> come from DI; all other
/// parameters are the task's arguments and travel as JSON.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TaskAttribute : Attribute
{
    /// <summary>
    /// The task's name on the wire. Defaults to the namespace, containing type(s) and method name joined
    /// by dots, e.g. <c>MyApp.Reports.ReportTasks.GenerateReport</c>. Set it to keep queued messages valid
    /// when you rename or move the method.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The queue the task is sent to unless a call overrides it. Defaults to <c>default</c>.
    /// Queue names use letters, digits, <c>-</c> and <c>_</c>.</summary>
    public string? Queue { get; set; }

    /// <summary>When <see langword="true"/>, the worker stores no result record for this task
    /// (Celery's <c>ignore_result</c>); its handle's status stays <see cref="TaskState.Pending"/>.</summary>
    public bool IgnoreResult { get; set; }

    /// <summary>When <see langword="true"/>, the worker records <see cref="TaskState.Started"/> before
    /// running the task (Celery's <c>track_started</c>). Costs one extra result-store write per task.</summary>
    public bool TrackStarted { get; set; }
}
