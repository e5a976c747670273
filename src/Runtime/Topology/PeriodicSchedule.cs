using TypedTasks.Semantics;
using TypedTasks.Topology;

namespace TypedTasks;

/// <summary>
/// A periodic schedule: a <see cref="TaskCall"/> sent at each occurrence of a cron string or a fixed interval, by the
/// scheduler in every worker, each occurrence exactly once (<c>docs/periodic.md</c>). Made by
/// <c>builder.AddPeriodic(…)</c> and by the generated registration of <see cref="PeriodicAttribute"/>.
/// </summary>
public sealed class PeriodicSchedule
{
    /// <summary>With <see cref="PeriodicCatchUp.All"/>, at most this many missed occurrences are sent (the latest ones).</summary>
    public const int MaxCatchUp = 100;

    private PeriodicSchedule(string name, TaskCall call, PeriodicTiming timing, PeriodicCatchUp catchUp)
    {
        Name = name;
        Call = call;
        Timing = timing;
        CatchUp = catchUp;
    }

    /// <summary>The schedule's name: its key in the schedules bucket and the start of each occurrence's message id.</summary>
    public string Name { get; }

    /// <summary>What is sent at each occurrence.</summary>
    public TaskCall Call { get; }

    /// <summary>The cron string, or <see langword="null"/> for a fixed interval.</summary>
    public string? Cron => Timing.Cron;

    /// <summary>The fixed interval, or <see langword="null"/> for a cron string.</summary>
    public TimeSpan? Every => Timing.Every;

    /// <summary>The IANA time zone the cron string is read in; <c>UTC</c> by default.</summary>
    public string TimeZone => Timing.TimeZoneId;

    /// <summary>What is sent for occurrences missed while no worker ran.</summary>
    public PeriodicCatchUp CatchUp { get; }

    internal PeriodicTiming Timing { get; }

    /// <summary>A schedule on a cron string (six fields, seconds first), read in <paramref name="timeZone"/>.</summary>
    /// <param name="call">What to send.</param>
    /// <param name="cron">The cron string, e.g. <c>"0 0 3 * * *"</c>.</param>
    /// <param name="name">The schedule's name; default the task's name.</param>
    /// <param name="timeZone">An IANA time-zone id; default UTC.</param>
    /// <param name="catchUp">What to send for missed occurrences.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentException">The cron string, time zone or name is not valid; the message says why.</exception>
    public static PeriodicSchedule Create(TaskCall call, string cron, string? name = null, string? timeZone = null, PeriodicCatchUp catchUp = PeriodicCatchUp.Latest)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(cron);
        return new PeriodicSchedule(CheckName(name, call), call, PeriodicTiming.Create(cron, null, timeZone), CheckCatchUp(catchUp));
    }

    /// <summary>A schedule on a fixed interval: occurrences at whole multiples of <paramref name="every"/> since
    /// 1970-01-01T00:00:00Z.</summary>
    /// <param name="call">What to send.</param>
    /// <param name="every">The interval, a whole number of seconds, at least one.</param>
    /// <param name="name">The schedule's name; default the task's name.</param>
    /// <param name="catchUp">What to send for missed occurrences.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentException">The interval or name is not valid; the message says why.</exception>
    public static PeriodicSchedule Create(TaskCall call, TimeSpan every, string? name = null, PeriodicCatchUp catchUp = PeriodicCatchUp.Latest)
    {
        ArgumentNullException.ThrowIfNull(call);
        return new PeriodicSchedule(CheckName(name, call), call, PeriodicTiming.Create(null, every, null), CheckCatchUp(catchUp));
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, in UTC, or <see langword="null"/> when
    /// there is none (a cron string that never fires again).</summary>
    /// <param name="after">The instant to start from.</param>
    /// <returns>The occurrence.</returns>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => Timing.Next(after);

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Call.Task.Name} {Timing}";

    private static string CheckName(string? name, TaskCall call)
    {
        var resolved = string.IsNullOrEmpty(name) ? call.Task.Name : name;
        if (!PeriodicSyntax.IsValidName(resolved))
        {
            throw new ArgumentException($"The schedule name \"{resolved}\" is not valid: {PeriodicSyntax.NameFix}.", nameof(name));
        }

        return resolved;
    }

    private static PeriodicCatchUp CheckCatchUp(PeriodicCatchUp catchUp)
        => Enum.IsDefined(catchUp) ? catchUp : throw new ArgumentOutOfRangeException(nameof(catchUp), catchUp, "Use Latest, All or None.");
}
