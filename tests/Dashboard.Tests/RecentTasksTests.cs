using Microsoft.Extensions.Logging.Abstractions;
using TypedTasks.Dashboard.Internal;

namespace TypedTasks.Dashboard.Tests;

/// <summary>The recent-tasks list is bounded and keeps a task's final state against late events of the same attempt.</summary>
public sealed class RecentTasksTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void KeepsTheLastTasks_UpToItsCapacity_MostRecentFirst()
    {
        var recent = new RecentTasks(new Eager.NoTaskEvents(), capacity: 3, NullLogger.Instance);
        for (var i = 1; i <= 5; i++)
        {
            recent.Add(Event(TaskEventKind.Sent, "t" + i));
        }

        Assert.Equal(["t5", "t4", "t3"], recent.List(null, 10).Select(t => t.Id));
        Assert.Null(recent.Find("t1"));
    }

    [Fact]
    public void ALateStartedEvent_DoesNotUndoAFinalState_ButANewAttemptDoes()
    {
        var recent = new RecentTasks(new Eager.NoTaskEvents(), capacity: 10, NullLogger.Instance);
        recent.Add(Event(TaskEventKind.Failed, "t", attempt: 1));
        recent.Add(Event(TaskEventKind.Started, "t", attempt: 1));
        Assert.Equal(TaskState.Failure, recent.Find("t")!.State);

        recent.Add(Event(TaskEventKind.Started, "t", attempt: 2));
        Assert.Equal(TaskState.Started, recent.Find("t")!.State);
        Assert.Equal(1, recent.CountByState()[TaskState.Started]);
    }

    [Fact]
    public void AnEventReadFromTheHistoryAndSeenLive_CountsOnce_AndALateEventStillJoinsTheTasksHistory()
    {
        var recent = new RecentTasks(new Eager.NoTaskEvents(), capacity: 10, NullLogger.Instance);
        var succeeded = Event(TaskEventKind.Succeeded, "t", attempt: 1) with { At = At.AddSeconds(2) };
        recent.Add(Event(TaskEventKind.Sent, "t"));
        recent.Add(succeeded);
        recent.Add(succeeded with { });
        recent.Add(Event(TaskEventKind.Started, "t", attempt: 1) with { At = At.AddSeconds(1) });

        var task = recent.Find("t")!;
        Assert.Equal(TaskState.Success, task.State);
        Assert.Equal([TaskEventKind.Sent, TaskEventKind.Succeeded, TaskEventKind.Started], task.Events.Select(e => e.Kind));
    }

    [Fact]
    public void ATasksEvents_AreBounded_KeepingTheLastOnes()
    {
        var recent = new RecentTasks(new Eager.NoTaskEvents(), capacity: 10, NullLogger.Instance);
        for (var attempt = 1; attempt <= RecentTasks.MaxEventsPerTask + 5; attempt++)
        {
            recent.Add(Event(TaskEventKind.Retried, "t", attempt) with { At = At.AddSeconds(attempt) });
        }

        var task = recent.Find("t")!;
        Assert.Equal(RecentTasks.MaxEventsPerTask, task.Events.Count);
        Assert.True(task.EarlierEventsDropped);
        Assert.Equal(RecentTasks.MaxEventsPerTask + 5, task.Events[^1].Attempt);
        Assert.Equal(6, task.Events[0].Attempt);
    }

    private static TaskEvent Event(TaskEventKind kind, string id, int? attempt = null)
        => new() { Kind = kind, Id = id, TaskName = "tests.echo", Queue = "default", Attempt = attempt, At = At };
}
