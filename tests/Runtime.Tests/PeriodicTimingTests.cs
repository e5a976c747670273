using Microsoft.Extensions.Time.Testing;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Semantics;
using TypedTasks.Topology;

namespace TypedTasks.Runtime.Tests;

/// <summary>When periodic schedules fire: cron strings in a time zone across DST (as Cronos defines it), fixed
/// intervals, catch-up windows, and the ids every worker derives from an occurrence.</summary>
public sealed class PeriodicTimingTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>Walks the schedule as the scheduler does: from "now" on a fake clock to each next occurrence.</summary>
    private static List<DateTimeOffset> Walk(PeriodicTiming timing, DateTimeOffset start, int count)
    {
        var time = new FakeTimeProvider(start);
        var fired = new List<DateTimeOffset>();
        while (fired.Count < count && timing.Next(time.GetUtcNow()) is { } next)
        {
            time.SetUtcNow(next);
            fired.Add(time.GetUtcNow());
        }

        return fired;
    }

    private static DateTimeOffset Utc(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void Cron_InItsTimeZone_NightlyAt3InParis()
    {
        var timing = PeriodicTiming.Create("0 0 3 * * *", null, "Europe/Paris");

        // 03:00 CET is 02:00 UTC in winter.
        Assert.Equal([Utc(12, 7, 2, 0), Utc(12, 8, 2, 0)], Walk(timing, Utc(12, 6, 19, 0), 2));
    }

    /// <summary>Spring forward (29 March 2026, 02:00 CET → 03:00 CEST): 02:30 does not exist that night; Cronos fires
    /// the occurrence at the transition, 03:00 CEST (01:00 UTC), once; the next night is normal again.</summary>
    [Fact]
    public void Cron_SkippedByDaylightSaving_FiresAtTheTransition()
    {
        var timing = PeriodicTiming.Create("0 30 2 * * *", null, "Europe/Paris");

        Assert.Equal([Utc(3, 28, 1, 30), Utc(3, 29, 1, 0), Utc(3, 30, 0, 30)], Walk(timing, Utc(3, 27, 12, 0), 3));
    }

    /// <summary>Fall back (25 October 2026, 03:00 CEST → 02:00 CET): 02:30 happens twice; a fixed-time cron string
    /// fires once, at the first (CEST, 00:30 UTC).</summary>
    [Fact]
    public void Cron_AmbiguousAfterDaylightSaving_FixedTimeFiresOnce()
    {
        var timing = PeriodicTiming.Create("0 30 2 * * *", null, "Europe/Paris");

        Assert.Equal([Utc(10, 24, 0, 30), Utc(10, 25, 0, 30), Utc(10, 26, 1, 30)], Walk(timing, Utc(10, 23, 12, 0), 3));
    }

    /// <summary>Fall back: an interval cron string (a step or range in seconds, minutes or hours) fires in both
    /// copies of the repeated hour, so it keeps its rhythm in UTC.</summary>
    [Fact]
    public void Cron_AmbiguousAfterDaylightSaving_IntervalFiresInBothHours()
    {
        var timing = PeriodicTiming.Create("0 */30 * * * *", null, "Europe/Paris");

        Assert.Equal(
            [Utc(10, 25, 0, 0), Utc(10, 25, 0, 30), Utc(10, 25, 1, 0), Utc(10, 25, 1, 30), Utc(10, 25, 2, 0)],
            Walk(timing, Utc(10, 24, 23, 59), 5));
    }

    [Fact]
    public void Cron_WithoutTimeZone_IsUtc()
    {
        var timing = PeriodicTiming.Create("0 0 3 * * *", null, null);

        Assert.Equal("UTC", timing.TimeZoneId);
        Assert.Equal([Utc(3, 29, 3, 0), Utc(3, 30, 3, 0)], Walk(timing, Utc(3, 28, 12, 0), 2));
    }

    [Fact]
    public void Cron_ThatNeverFires_HasNoNextOccurrence()
        => Assert.Null(PeriodicTiming.Create("0 0 0 30 2 *", null, null).Next(Utc(1, 1, 0, 0)));

    [Fact]
    public void Every_CountedFromTheEpoch_SoEveryWorkerFindsTheSameOccurrences()
    {
        var timing = PeriodicTiming.Create(null, TimeSpan.FromMinutes(5), null);

        Assert.Equal(Utc(12, 6, 19, 5), timing.Next(new DateTimeOffset(2026, 12, 6, 20, 3, 7, TimeSpan.FromHours(1))));
        Assert.Equal(Utc(12, 6, 19, 10), timing.Next(Utc(12, 6, 19, 5)));
        Assert.Equal(Utc(12, 6, 19, 5), timing.Next(Utc(12, 6, 19, 5).AddTicks(-1)));
    }

    [Fact]
    public void Between_KeepsTheLatestOccurrences_AndSkipsALongOutageFast()
    {
        var timing = PeriodicTiming.Create(null, TimeSpan.FromSeconds(1), null);
        var after = Utc(1, 1, 0, 0);
        var until = after.AddDays(365);

        var latest = timing.Between(after, until, 3);

        Assert.Equal([until.AddSeconds(-2), until.AddSeconds(-1), until], latest);
        Assert.Empty(timing.Between(until, until, 3));
        Assert.Equal([Utc(1, 1, 0, 0).AddSeconds(1), Utc(1, 1, 0, 0).AddSeconds(2)], timing.Between(after, after.AddSeconds(2), 100));
    }

    [Fact]
    public void Between_EverySecondCron_AfterAYear_KeepsTheLatest_WithoutWalkingTheYear()
    {
        var timing = PeriodicTiming.Create("* * * * * *", null, null);
        var after = Utc(1, 1, 0, 0);
        var until = after.AddDays(365).AddMilliseconds(500);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var latest = timing.Between(after, until, 3);

        Assert.Equal([until.AddMilliseconds(-2500), until.AddMilliseconds(-1500), until.AddMilliseconds(-500)], latest);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Equal([Utc(12, 6, 2, 0).AddDays(-1), Utc(12, 6, 2, 0)], PeriodicTiming.Create("0 0 3 * * *", null, "Europe/Paris").Between(after, Utc(12, 6, 12, 0), 2));
    }

    [Theory]
    [InlineData("0 */5 * * *", null, null, "not valid")]
    [InlineData("0 0 3 * * *", null, "Romance Standard Time", "not an IANA time-zone id")]
    [InlineData("0 0 3 * * *", null, "Europe/Pariss", "not an IANA time-zone id")]
    [InlineData(null, null, null, "either a cron string")]
    [InlineData("0 0 3 * * *", 60.0, null, "either a cron string")]
    [InlineData(null, 0.5, null, "shorter than one second")]
    [InlineData(null, 1.5, null, "not a whole number of seconds")]
    [InlineData(null, 60.0, "Europe/Paris", "no effect on a fixed interval")]
    public void Create_Refuses_SayingWhy(string? cron, double? everySeconds, string? timeZone, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => PeriodicTiming.Create(cron, everySeconds is { } s ? TimeSpan.FromSeconds(s) : null, timeZone));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>The compiled-in IANA list (what TT0011 accepts) resolves on this machine's time-zone data.</summary>
    [Fact]
    public void EveryIanaId_TheBuildAccepts_ResolvesAtRunTime()
    {
        var unresolved = TimeZoneIds.All.Where(id =>
        {
            try
            {
                PeriodicTiming.Create("0 0 3 * * *", null, id);
                return false;
            }
            catch (ArgumentException)
            {
                return true;
            }
        }).ToList();

        Assert.True(TimeZoneIds.All.Count() > 500);
        Assert.Empty(unresolved);
    }

    [Fact]
    public void OccurrenceIds_AreTheSameInEveryWorker_AndValidTaskIds()
    {
        var occurrence = new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.FromHours(1));
        var messageId = ScheduleRecord.MessageId("nightly-cleanup", occurrence);
        var taskId = ScheduleRecord.TaskId(messageId);

        Assert.Equal("nightly-cleanup:2026-12-07T03:00:00Z", messageId);
        Assert.Matches("^[0-9a-f]{32}$", taskId);
        Assert.True(NatsNames.IsValidTaskId(taskId));
        Assert.Equal(taskId, ScheduleRecord.TaskId("nightly-cleanup:2026-12-07T03:00:00Z"));
        Assert.NotEqual(taskId, ScheduleRecord.TaskId(ScheduleRecord.MessageId("nightly-cleanup", occurrence.AddDays(1))));
    }

    [Fact]
    public void Schedule_DefaultsToTheTaskName_AndRefusesAnInvalidName()
    {
        var call = new TaskCall(new TaskDefinition("app.cleanup", static _ => default), new NoArguments());

        Assert.Equal("app.cleanup", PeriodicSchedule.Create(call, "@daily").Name);
        Assert.Equal("nightly", PeriodicSchedule.Create(call, Hour, name: "nightly").Name);
        Assert.Equal("{}", System.Text.Encoding.UTF8.GetString(call.ArgumentsJson.Span));
        Assert.Contains("not valid", Assert.Throws<ArgumentException>(() => PeriodicSchedule.Create(call, "@daily", name: "a b")).Message, StringComparison.Ordinal);
    }

    private sealed class NoArguments : ITaskArguments
    {
        public void WriteTo(System.Text.Json.Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
    }
}
