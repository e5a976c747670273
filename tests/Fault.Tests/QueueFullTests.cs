using System.Globalization;
using TypedTasks.Fault.Tests.Infrastructure;

namespace TypedTasks.Fault.Tests;

/// <summary>
/// Scenario 5: a queue at its limit (<c>TypedTasks:Broker:MaxMessages</c> small). Every stored task runs; every refused
/// send threw a clear <see cref="TaskEnqueueException"/>; none is dropped (a stream with the default discard policy
/// Old would silently drop the oldest tasks to make room).
/// </summary>
public sealed class QueueFullTests
{
    [Fact]
    public async Task QueueFull_StoredTasksAllRun_RefusedOnesThrewClearly_NoneDropped()
    {
        var max = FaultSettings.Size(20, 100);
        var options = new FaultRunOptions
        {
            Settings = new Dictionary<string, string?> { ["TypedTasks:Broker:MaxMessages"] = max.ToString(CultureInfo.InvariantCulture) },
        };
        await using var server = new NatsNode();
        await server.StartAsync(FaultRun.Ct);
        await using var fault = await FaultRun.StartAsync("queue-full", server.Url, server.Version, options);

        // No worker yet: the queue fills. One send at a time, so exactly the first `max` are stored.
        await fault.Producer.SendAsync(1, max * 3, durationMs: 0, inFlight: 1, FaultRun.Ct);

        var outcomes = fault.Producer.Outcomes;
        Assert.Equal(Enumerable.Range(1, max).Select(Producer.IdOf), outcomes.Where(o => o.Accepted).Select(o => o.Id).Order(StringComparer.Ordinal));
        Assert.All(outcomes.Where(o => !o.Accepted), o =>
        {
            var error = Assert.IsType<TaskEnqueueException>(o.Error);
            Assert.Contains("is full", error.Message, StringComparison.Ordinal);
            Assert.Contains("not stored", error.Message, StringComparison.Ordinal);
        });

        fault.StartWorker();
        var result = await fault.FinishAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["MaxMessages"] = max.ToString(CultureInfo.InvariantCulture) });

        FaultRun.AssertHoldsToday(result);
        Assert.Equal(max, result.Ran);
        Assert.Equal(0, result.ThrewButRan);
        Assert.Equal(0, result.Duplicated);
    }
}
