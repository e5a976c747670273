using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Batches on a real nats-server (issue 12, docs/protocol.md §13): members of any kind — with a result or fire and
/// forget — whose callback learns how they ended, sent exactly once after the last one, failures included.</summary>
public sealed class BatchTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<TestApp> StartAsync(string[]? queues = null, string? prefix = null, Probe? probe = null, int concurrency = 4)
        => WorkflowApp.StartAsync(server, queues, prefix, probe, concurrency);

    [Fact]
    public async Task ABatchWithFailures_TheCallbackCountsThem_AndRunsOnce()
    {
        await using var app = await StartAsync();
        // Ten with a result (two of them fail), five fire and forget (one fails).
        var members = Enumerable.Range(0, 10).Select(i => (TaskCall)GroupTasks.SquareOrFailTask.Call(i, i is 3 or 7 ? i : -1))
            .Concat(Enumerable.Range(0, 5).Select(i => ChordTasks.NotifyTask.Call(i, i == 2)));
        var batch = TaskBatch.Of(members).Then(ChordTasks.OutcomeTask.Partial("mixed"));

        TaskHandle<string> handle = await app.Client.SendBatchAsync(batch, new TaskOptions { TaskId = "batch-mixed" }, Ct);

        Assert.Equal("batch-mixed-callback", handle.Id);
        Assert.Equal("mixed: 12 of 15 succeeded, 3 failed [3,7,12]", await handle.GetAsync(Timeout, Ct));
        Assert.Equal(1, app.Probe.Executions("outcome:mixed"));
        // Every fire-and-forget member ran; the failed ones are tasks of their own, with their errors.
        Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(1, app.Probe.Executions("notify:" + i)));
        var failed = await Assert.ThrowsAsync<TaskFailedException>(() => app.Client.SquareOrFail().GetHandle("batch-mixed-7").GetAsync(Timeout, Ct));
        Assert.Contains("member 7 failed on purpose", failed.Message, StringComparison.Ordinal);
    }

    /// <summary>Sixteen members, eight of which fail, held at a gate on two workers and released at once: the callback runs
    /// once, three rounds in a row.</summary>
    [Fact]
    public async Task MembersEndingTogether_OnTwoWorkers_SendTheCallbackOnce()
    {
        var probe = new Probe();
        await using var a = await StartAsync(["chord-a", "default"], probe: probe, concurrency: 8);
        await using var b = await StartAsync(["chord-b"], prefix: a.Prefix, probe: probe, concurrency: 8);
        for (var round = 0; round < 3; round++)
        {
            var key = $"batch-together-{round}";
            var members = Enumerable.Range(0, 16).Select(i => (TaskCall)(i % 2 == 0 ? ChordTasks.GatedATask.Call(key, i) : ChordTasks.GatedBTask.Call(key, i)));
            var handle = await a.Client.SendBatchAsync(TaskBatch.Of(members).Then(ChordTasks.OutcomeTask.Partial(key)), new TaskOptions { TaskId = key }, Ct);
            await probe.RunningAtOnce(16).WaitAsync(Timeout, Ct);

            probe.Gate(key).TrySetResult();

            Assert.Equal($"{key}: 16 of 16 succeeded, 0 failed []", await handle.GetAsync(Timeout, Ct));
            Assert.Equal(1, probe.Executions("outcome:" + key));
        }
    }

    [Fact]
    public void Batches_AreBounded_AndValues()
    {
        Assert.Throws<ArgumentException>(() => TaskBatch.Of());
        var tooMany = Assert.Throws<ArgumentException>(() => TaskBatch.Of(Enumerable.Range(0, TaskGroup.MaxMembers + 1).Select(i => (TaskCall)GroupTasks.SquareTask.Call(i))));
        Assert.Contains("at most 10000 members", tooMany.Message, StringComparison.Ordinal);
        Assert.Equal(
            TaskBatch.Of(GroupTasks.SquareTask.Call(1), ChordTasks.NotifyTask.Call(2, false)).Then(ChordTasks.OutcomeTask.Partial("x")),
            TaskBatch.Of(GroupTasks.SquareTask.Call(1), ChordTasks.NotifyTask.Call(2, false)).Then(ChordTasks.OutcomeTask.Partial("x")));
        Assert.NotEqual(TaskBatch.Of(GroupTasks.SquareTask.Call(1)), TaskBatch.Of(GroupTasks.SquareTask.Call(2)));
    }
}
