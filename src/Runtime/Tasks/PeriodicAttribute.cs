namespace TypedTasks;

/// <summary>
/// Runs a <see cref="TaskAttribute"/> task on a schedule (Celery beat's <c>beat_schedule</c>), sent by the scheduler
/// inside every worker, each occurrence exactly once however many workers run: a six-field cron string, seconds first,
/// <c>[Periodic("0 */5 * * * *", TimeZone = "Europe/Paris")]</c>, or a fixed interval, <c>[Periodic(Every = "00:05:00")]</c>.
/// </summary>
/// <remarks>
/// The task must not need arguments (parameters with default values, <c>[FromServices]</c> and
/// <see cref="System.Threading.CancellationToken"/> are fine); to schedule a call with arguments use
/// <c>builder.AddPeriodic(MyTasks.SendTask.Call(…), "0 0 3 * * *", name: "…")</c>. The cron syntax is Cronos's
/// (<c>docs/periodic.md</c>); the build checks it (TT0010), the time zone (TT0011), the arguments (TT0012) and that the
/// method is a task (TT0013). Several <c>[Periodic]</c> on one task need distinct <see cref="Name"/>s.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class PeriodicAttribute : Attribute
{
    /// <summary>A schedule given by <see cref="Every"/>.</summary>
    public PeriodicAttribute()
    {
    }

    /// <summary>A schedule given by a cron string.</summary>
    /// <param name="cron">Six fields, seconds first: <c>"second minute hour day-of-month month day-of-week"</c>, or a
    /// macro such as <c>"@daily"</c>.</param>
    public PeriodicAttribute(string cron)
    {
        Cron = cron;
    }

    /// <summary>The cron string, or <see langword="null"/> for a schedule given by <see cref="Every"/>.</summary>
    public string? Cron { get; }

    /// <summary>A fixed interval instead of a cron string, as a <see cref="TimeSpan"/> string (<c>"00:05:00"</c>), a
    /// whole number of seconds. Occurrences fall on multiples of it since 1970-01-01T00:00:00Z, so every worker computes
    /// the same ones.</summary>
    public string? Every { get; set; }

    /// <summary>The IANA time zone the cron string is read in (<c>"Europe/Paris"</c>). Default UTC. Daylight-saving
    /// transitions follow Cronos (<c>docs/periodic.md</c>).</summary>
    public string? TimeZone { get; set; }

    /// <summary>The schedule's name: its key in the schedules bucket and the start of each occurrence's message id.
    /// Default: the task's name. Letters, digits, <c>.</c>, <c>-</c> and <c>_</c>.</summary>
    public string? Name { get; set; }

    /// <summary>What to send for occurrences missed while no worker ran. Default <see cref="PeriodicCatchUp.Latest"/>.</summary>
    public PeriodicCatchUp CatchUp { get; set; } = PeriodicCatchUp.Latest;
}

/// <summary>What the scheduler sends for occurrences that passed while no worker ran it (after an outage or a deploy).</summary>
public enum PeriodicCatchUp
{
    /// <summary>Only the latest missed occurrence, once (the default): a nightly job missed on three nights runs once.</summary>
    Latest = 0,

    /// <summary>Every missed occurrence, oldest first, at most 100 of them (the oldest beyond are skipped).</summary>
    All = 1,

    /// <summary>None: the schedule resumes with the next occurrence.</summary>
    None = 2,
}
