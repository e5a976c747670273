using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace TypedTasks.Generator.Tests.Behaviour;

/// <summary>Periodic tasks compiled by the real generator.</summary>
public static partial class PeriodicBehaviourTasks
{
    [Task(Queue = "maintenance")]
    [Periodic("0 0 3 * * *", TimeZone = "Europe/Paris", Name = "behaviour-nightly")]
    [Periodic(Every = "00:00:30", Name = "behaviour-often", CatchUp = PeriodicCatchUp.All)]
    public static int Purge(int olderThanDays = 30) => olderThanDays;

    [Task]
    public static void Archive(string folder, int year)
    {
    }
}

public sealed class PeriodicBehaviourTests
{
    [Fact]
    public void PeriodicAttributes_AreRegisteredByTheAssemblysAddMethod_WithTheirDefaults()
    {
        var services = new ServiceCollection();
        services.AddTypedTasks().AddTypedTasksGeneratorTestsTasks();
        using var provider = services.BuildServiceProvider();

        var schedules = provider.GetServices<PeriodicSchedule>().Where(s => s.Name.StartsWith("behaviour-", StringComparison.Ordinal)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

        Assert.Equal(["behaviour-nightly", "behaviour-often"], schedules.Select(s => s.Name));
        Assert.Equal("0 0 3 * * *", schedules[0].Cron);
        Assert.Equal("Europe/Paris", schedules[0].TimeZone);
        Assert.Equal(PeriodicCatchUp.Latest, schedules[0].CatchUp);
        Assert.Equal(TimeSpan.FromSeconds(30), schedules[1].Every);
        Assert.Equal(PeriodicCatchUp.All, schedules[1].CatchUp);
        Assert.All(schedules, s => Assert.Same(PeriodicBehaviourTasks.PurgeTask.Definition, s.Call.Task));
        Assert.Equal("""{"olderThanDays":30}""", Encoding.UTF8.GetString(schedules[0].Call.ArgumentsJson.Span));
    }

    [Fact]
    public void Call_IsTypedLikeDelayAsync_AndCarriesTheArguments()
    {
        var call = PeriodicBehaviourTasks.ArchiveTask.Call("reports", 2024);

        Assert.Same(PeriodicBehaviourTasks.ArchiveTask.Definition, call.Task);
        Assert.Equal("""{"folder":"reports","year":2024}""", Encoding.UTF8.GetString(call.ArgumentsJson.Span));
        var schedule = PeriodicSchedule.Create(call, "0 0 4 1 * *", name: "archive-monthly");
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 4, 0, 0, TimeSpan.Zero), schedule.GetNextOccurrence(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero)));
    }
}
