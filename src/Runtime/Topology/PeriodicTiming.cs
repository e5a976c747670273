using System.Globalization;
using Cronos;
using TypedTasks.Semantics;

namespace TypedTasks.Topology;

/// <summary>
/// When a periodic schedule fires: a six-field cron string read in a time zone (Cronos 0.13.0), or a fixed interval
/// counted from the Unix epoch. Occurrences are UTC instants with whole seconds, so every worker computes the same ones
/// (and the same message ids).
/// </summary>
internal sealed class PeriodicTiming
{
    private readonly CronExpression? _cron;

    private PeriodicTiming(string? cron, CronExpression? expression, TimeSpan? every, string timeZoneId, TimeZoneInfo timeZone)
    {
        Cron = cron;
        _cron = expression;
        Every = every;
        TimeZoneId = timeZoneId;
        TimeZone = timeZone;
    }

    public string? Cron { get; }

    public TimeSpan? Every { get; }

    /// <summary>The IANA id (<c>UTC</c> by default).</summary>
    public string TimeZoneId { get; }

    public TimeZoneInfo TimeZone { get; }

    /// <summary>Checks and parses a timing; throws <see cref="ArgumentException"/> saying what to fix.</summary>
    public static PeriodicTiming Create(string? cron, TimeSpan? every, string? timeZone)
    {
        if ((cron is null) == (every is null))
        {
            throw new ArgumentException(PeriodicSyntax.OneOfFix + ".", nameof(cron));
        }

        var zoneId = string.IsNullOrEmpty(timeZone) ? "UTC" : timeZone;
        if (!TimeZoneIds.IsKnown(zoneId))
        {
            throw new ArgumentException($"The time zone \"{zoneId}\" is not an IANA time-zone id: {TimeZoneIds.Fix}.", nameof(timeZone));
        }

        TimeZoneInfo zone;
        try
        {
            zone = zoneId is "UTC" or "Etc/UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException($"The time zone \"{zoneId}\" is not known to this machine's time-zone data ({ex.Message}); install the OS's time-zone data (tzdata, or ICU on Windows).", nameof(timeZone), ex);
        }

        if (every is { } interval)
        {
            if (PeriodicSyntax.GetEveryProblem(interval) is { } problem)
            {
                throw new ArgumentException($"The interval {problem}: {PeriodicSyntax.EveryFix}.", nameof(every));
            }

            if (!string.IsNullOrEmpty(timeZone) && zone != TimeZoneInfo.Utc)
            {
                throw new ArgumentException("A time zone has no effect on a fixed interval (occurrences are counted from 1970-01-01T00:00:00Z); remove it.", nameof(timeZone));
            }

            return new PeriodicTiming(null, null, interval, zoneId, zone);
        }

        if (CronSyntax.GetProblem(cron) is { } cronProblem)
        {
            throw new ArgumentException($"The cron string \"{cron}\" is not valid ({cronProblem}): {CronSyntax.Fix}.", nameof(cron));
        }

        // CronSyntax agrees with Cronos (CronSyntaxTests); Cronos has the last word.
        var expression = CronExpression.Parse(cron!, CronFormat.IncludeSeconds);
        return new PeriodicTiming(cron, expression, null, zoneId, zone);
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, in UTC; <see langword="null"/> when the cron
    /// string never fires again (<c>0 0 0 30 2 *</c>).</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        if (Every is { } every)
        {
            var ticks = (after.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / every.Ticks;
            if (after.UtcTicks < DateTimeOffset.UnixEpoch.UtcTicks)
            {
                ticks = -1;
            }

            return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + ((ticks + 1) * every.Ticks), TimeSpan.Zero);
        }

        return _cron!.GetNextOccurrence(after.ToUniversalTime(), TimeZone, inclusive: false)?.ToUniversalTime();
    }

    /// <summary>The occurrences in (<paramref name="after"/>, <paramref name="until"/>], oldest first, at most
    /// <paramref name="max"/> of them — the latest ones when there are more.</summary>
    public List<DateTimeOffset> Between(DateTimeOffset after, DateTimeOffset until, int max)
    {
        var found = new Queue<DateTimeOffset>();
        if (Every is { } every && until.UtcTicks - after.UtcTicks > (max + 1) * every.Ticks)
        {
            // Only the last max can be kept: start there rather than walk a long outage one interval at a time.
            after = until - ((max + 1) * every);
        }

        else if (_cron is not null && until - after > TimeSpan.FromDays(1))
        {
            // A long outage on a frequent cron string: walk back max + 1 occurrences from the end (Cronos 0.13's previous
            // occurrences) and walk forward only from there; the forward walk alone decides which occurrences there are.
            var from = until;
            for (var i = 0; i <= max && _cron.GetPreviousOccurrence(from, TimeZone, inclusive: false) is { } previous && previous > after; i++)
            {
                from = previous;
            }

            if (from < until)
            {
                after = from.AddTicks(-1);
            }
        }

        var next = Next(after);
        while (next is { } occurrence && occurrence <= until)
        {
            found.Enqueue(occurrence);
            if (found.Count > max)
            {
                found.Dequeue();
            }

            next = Next(occurrence);
        }

        return [.. found];
    }

    /// <summary>How the timing reads in <c>tt schedules</c> and logs.</summary>
    public override string ToString()
        => Every is { } every
            ? "every " + every.ToString("c", CultureInfo.InvariantCulture)
            : Cron + (TimeZone == TimeZoneInfo.Utc ? " (UTC)" : " (" + TimeZoneId + ")");
}
