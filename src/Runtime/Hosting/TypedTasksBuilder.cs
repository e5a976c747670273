using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace TypedTasks;

/// <summary>
/// Configures TypedTasks in a service collection: returned by <c>services.AddTypedTasks(…)</c>.
/// The generator adds an extension per assembly that registers its tasks (<c>builder.Add{Assembly}Tasks()</c>).
/// </summary>
public sealed class TypedTasksBuilder
{
    internal TypedTasksBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a task to the table of tasks this process can run. Used by generated code.</summary>
    /// <param name="task">The task.</param>
    /// <returns>This builder.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TypedTasksBuilder AddTask(TaskDefinition task)
    {
        ArgumentNullException.ThrowIfNull(task);
        Services.AddSingleton(task);
        return this;
    }

    /// <summary>Registers the containing type of instance tasks, created from a DI scope per execution.
    /// Used by generated code; keeps an existing registration.</summary>
    /// <typeparam name="T">The type that declares instance tasks.</typeparam>
    /// <returns>This builder.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TypedTasksBuilder AddTaskType<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class
    {
        Services.TryAddScoped<T>();
        return this;
    }

    /// <summary>
    /// Sends <paramref name="call"/> at each occurrence of a cron string (six fields, seconds first), read in
    /// <paramref name="timeZone"/>: the scheduler in every worker of this process sends it, each occurrence exactly once
    /// across all workers (<c>docs/periodic.md</c>).
    /// </summary>
    /// <param name="call">The task and its arguments, from the proxy: <c>ReportTasks.GenerateReportTask.Call(2024)</c>.</param>
    /// <param name="cron">The cron string, e.g. <c>"0 0 3 * * *"</c> (03:00:00 every day).</param>
    /// <param name="name">The schedule's name (letters, digits, <c>.</c>, <c>-</c>, <c>_</c>); default the task's name.</param>
    /// <param name="timeZone">An IANA time-zone id; default UTC.</param>
    /// <param name="catchUp">What to send for occurrences missed while no worker ran; default the latest one.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The cron string, time zone or name is not valid; the message says why.</exception>
    public TypedTasksBuilder AddPeriodic(TaskCall call, string cron, string? name = null, string? timeZone = null, PeriodicCatchUp catchUp = PeriodicCatchUp.Latest)
        => AddPeriodic(PeriodicSchedule.Create(call, cron, name, timeZone, catchUp));

    /// <summary>
    /// Sends <paramref name="call"/> every <paramref name="every"/>, at whole multiples of it since
    /// 1970-01-01T00:00:00Z, each occurrence exactly once across all workers (<c>docs/periodic.md</c>).
    /// </summary>
    /// <param name="call">The task and its arguments, from the proxy: <c>ReportTasks.GenerateReportTask.Call(2024)</c>.</param>
    /// <param name="every">The interval: a whole number of seconds, at least one.</param>
    /// <param name="name">The schedule's name (letters, digits, <c>.</c>, <c>-</c>, <c>_</c>); default the task's name.</param>
    /// <param name="catchUp">What to send for occurrences missed while no worker ran; default the latest one.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The interval or name is not valid; the message says why.</exception>
    public TypedTasksBuilder AddPeriodic(TaskCall call, TimeSpan every, string? name = null, PeriodicCatchUp catchUp = PeriodicCatchUp.Latest)
        => AddPeriodic(PeriodicSchedule.Create(call, every, name, catchUp));

    /// <summary>Adds a periodic schedule made with <see cref="PeriodicSchedule.Create(TaskCall, string, string?, string?, PeriodicCatchUp)"/>.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <returns>This builder.</returns>
    public TypedTasksBuilder AddPeriodic(PeriodicSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Services.AddSingleton(schedule);
        return this;
    }
}
