using System;

namespace TypedTasks.Semantics;

/// <summary>
/// The one definition of what a periodic schedule may say (<c>[Periodic]</c>, TT0010–TT0013, and <c>AddPeriodic</c>):
/// a cron string (<see cref="CronSyntax"/>) or a fixed interval, a time zone (<see cref="TimeZoneIds"/>), and a name.
/// </summary>
/// <remarks>Linked into the generator, the analyzers and the runtime: netstandard2.0-compatible and internal.</remarks>
internal static class PeriodicSyntax
{
    /// <summary>The longest schedule name: it is a KV key and, with an occurrence time, a <c>Nats-Msg-Id</c>.</summary>
    public const int MaxNameLength = 100;

    /// <summary>What to write instead of an invalid schedule name.</summary>
    public const string NameFix = "use 1 to 100 letters, digits, '.', '-' and '_' (set Name on [Periodic], or name: in AddPeriodic)";

    /// <summary>What to write instead of an invalid interval.</summary>
    public const string EveryFix = "write a whole number of seconds, at least one, as a TimeSpan such as \"00:00:30\" or \"01:00:00\"";

    /// <summary>What to write when both or neither of a cron string and an interval are given.</summary>
    public const string OneOfFix = "give either a cron string ([Periodic(\"0 0 3 * * *\")]) or an interval ([Periodic(Every = \"00:05:00\")]), not both";

    /// <summary>
    /// A schedule name is a key of the schedules bucket (KV keys: <c>[-/_=.a-zA-Z0-9]</c>) and the start of the
    /// occurrence's <c>Nats-Msg-Id</c>: 1 to <see cref="MaxNameLength"/> ASCII letters, digits, <c>.</c>, <c>-</c>,
    /// <c>_</c>, not starting or ending with <c>.</c>.
    /// </summary>
    public static bool IsValidName(string? name)
    {
        if (name is null || name.Length is 0 or > MaxNameLength || name[0] == '.' || name[name.Length - 1] == '.')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// What is wrong with the interval <paramref name="every"/> (a <see cref="TimeSpan"/> string), or <see langword="null"/>
    /// when it is a whole number of seconds, at least one; then in <paramref name="value"/>.
    /// </summary>
    public static string? GetEveryProblem(string? every, out TimeSpan value)
    {
        if (every is null || !TimeSpanSyntax.TryParse(every, out value))
        {
            value = default;
            return $"\"{every}\" is not a TimeSpan";
        }

        return GetEveryProblem(value);
    }

    /// <summary>What is wrong with the interval <paramref name="every"/>, or <see langword="null"/>.</summary>
    public static string? GetEveryProblem(TimeSpan every)
    {
        if (every < TimeSpan.FromSeconds(1))
        {
            return $"{every} is shorter than one second";
        }

        if (every.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return $"{every} is not a whole number of seconds";
        }

        return null;
    }
}
