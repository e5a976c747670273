using NATS.Client.Core;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Runtime.Tests;

public sealed class TaskScheduleTests
{
    private static readonly NatsNames Names = new("tt");

    [Theory]
    [InlineData("2.12.1", true)]
    [InlineData("2.12.1-RC.3", true)]
    [InlineData("2.12.15", true)]
    [InlineData("v2.15.1", true)]
    [InlineData("3.0.0", true)]
    [InlineData("2.12.0", false)]
    [InlineData("2.12.0-RC.3", false)]
    [InlineData("2.11.9", false)]
    [InlineData("2.9.10", false)]
    [InlineData("2.1", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("garbage", false)]
    public void ServerSchedules_From2Point12Point1On(string? version, bool schedules)
        => Assert.Equal(schedules, TaskSchedule.ServerSchedules(version));

    [Theory]
    [InlineData("2026-12-06T10:00:00+02:00", "2026-12-06T08:00:00.0000000Z")]
    [InlineData("2026-12-06T10:00:00.123-05:00", "2026-12-06T15:00:00.1230000Z")]
    [InlineData("2026-12-06T10:00:00Z", "2026-12-06T10:00:00.0000000Z")]
    [InlineData("2026-12-06T10:00:00.0000000+00:00", "2026-12-06T10:00:00.0000000Z")]
    public void TryParseTime_ReadsTheInstantItsOffsetNames(string text, string utc)
    {
        Assert.True(TaskSchedule.TryParseTime(text, out var time));
        Assert.Equal(utc, time.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2026-12-06T10:00:00")]
    [InlineData("2026-12-06T10:00:00.0000000")]
    [InlineData("2026-12-06")]
    [InlineData("2026-12-06 10:00:00Z")]
    [InlineData("next tuesday")]
    [InlineData("")]
    public void TryParseTime_RefusesTimesWithoutAnOffset(string text)
        => Assert.False(TaskSchedule.TryParseTime(text, out _));

    [Fact]
    public void FormatAt_IsUtcRfc3339WithFraction()
    {
        var due = new DateTimeOffset(2026, 11, 25, 12, 30, 5, 123, TimeSpan.FromHours(2));

        Assert.Equal("@at 2026-11-25T10:30:05.1230000Z", TaskSchedule.FormatAt(due));
    }

    [Fact]
    public void Address_Native_OneScheduleSubjectPerTaskTargetingTheQueuesDueSubject()
    {
        var headers = new NatsHeaders();
        var due = DateTimeOffset.UtcNow.AddMinutes(5);

        var subject = TaskSchedule.Address(Names, native: true, "emails", "abc", due, headers);

        Assert.Equal("tt.delayed.emails.abc", subject);
        // Asks to fire a server timer step early; the forwarder holds the task until its ETA.
        Assert.Equal(TaskSchedule.FormatAt(due - TaskSchedule.ServerTimerStep), headers["Nats-Schedule"].ToString());
        Assert.Equal(due, TaskSchedule.Eta(headers));
        Assert.Equal("tt.delayed.emails", headers["Nats-Schedule-Target"].ToString());
        Assert.Equal("emails", headers[TaskHeaders.Queue].ToString());
        Assert.True(Names.DueFilter == "tt.delayed.*" && subject.Split('.').Length == 4, "the forwarder's filter must not match schedule messages");
    }

    [Fact]
    public void Address_ScheduleStream_NoServerScheduleHeaders()
    {
        var headers = new NatsHeaders();

        var subject = TaskSchedule.Address(Names, native: false, "emails", "abc", DateTimeOffset.UtcNow.AddMinutes(5), headers);

        Assert.Equal("tt.scheduled.emails", subject);
        Assert.False(headers.ContainsKey("Nats-Schedule"));
        Assert.True(headers.ContainsKey(TaskHeaders.Eta));
    }

    [Fact]
    public void DueHeaders_KeepTheTasksOwnDropServerHeadersAndTheEta()
    {
        var scheduled = new NatsHeaders
        {
            [TaskHeaders.Id] = "abc",
            [TaskHeaders.Attempt] = "3",
            [TaskHeaders.Eta] = "2026-11-25T10:30:05Z",
            ["Nats-Scheduler"] = "tt.delayed.emails.abc",
            ["Nats-Schedule-Next"] = "purge",
        };

        var due = TaskSchedule.DueHeaders(scheduled);

        Assert.Equal(["TT-Attempt", "TT-Id"], due.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("abc:3", TaskSchedule.DueMessageId(scheduled, "7"));
        Assert.Equal("7:1", TaskSchedule.DueMessageId(new NatsHeaders(), "7"));
    }
}
