using NATS.Client.JetStream;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// How tasks due later wait, per server: native schedules on nats-server 2.12+, the schedule stream before. The CI
/// runs this class on Debian's nats-server 2.9.10 and on a 2.12+ server; each test says which it needs.
/// </summary>
public sealed class SchedulingTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Native_CountdownTask_WaitsAsAScheduleMessageReleasedByTheServer()
    {
        Assert.SkipUnless(server.HasSchedules, $"needs nats-server 2.12.1+ (this one is {server.Version})");
        await using var app = await TestApp.StartAsync(server);
        app.Probe.Gate("native").TrySetResult();
        var sent = DateTimeOffset.UtcNow;

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("native"), new TaskOptions { Countdown = TimeSpan.FromSeconds(1) }, Ct);

        Assert.True(app.Connection.NativeScheduling);
        var delayed = await app.Connection.JetStream.GetStreamAsync(app.Connection.Names.DelayedStream, cancellationToken: Ct);
        Assert.True(delayed.Info.Config.AllowMsgSchedules);
        Assert.Equal(1L, (long)delayed.Info.State.Messages);
        Assert.False(await app.Connection.StreamExistsAsync(app.Connection.Names.ScheduleStream, Ct), "no schedule stream is created on a server that schedules");

        Assert.Equal("native", await handle.GetAsync(Timeout, Ct));
        var record = await handle.GetRecordAsync(Ct);
        Assert.True(record!.StartedAt >= sent + TimeSpan.FromSeconds(1), $"started {record.StartedAt - sent} after sending");
        await delayed.RefreshAsync(Ct);
        Assert.Equal(0L, (long)delayed.Info.State.Messages);
    }

    [Fact]
    public async Task Native_TwoWorkersForward_EachDueTaskRunsOnce()
    {
        Assert.SkipUnless(server.HasSchedules, $"needs nats-server 2.12.1+ (this one is {server.Version})");
        var prefix = TestApp.NewPrefix();
        var probe = new Probe();
        await using var first = await TestApp.StartAsync(server, prefix: prefix, probe: probe);
        await using var second = await TestApp.StartAsync(server, prefix: prefix, probe: probe);
        const int Count = 200;

        var due = DateTimeOffset.UtcNow.AddSeconds(1);
        var handles = new List<TaskHandle>(Count);
        for (var i = 0; i < Count; i++)
        {
            handles.Add(await first.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("twice"), new TaskOptions { Eta = due }, Ct));
        }

        foreach (var handle in handles)
        {
            await handle.WaitAsync(Timeout, Ct);
        }

        Assert.Equal(Count, probe.Executions("twice"));
    }

    [Fact]
    public async Task ScheduleStreamChosen_OnAServerThatSchedules_StillWorks()
    {
        Assert.SkipUnless(server.HasSchedules, $"on nats-server {server.Version} Auto is the schedule stream already (LifecycleTests)");
        await using var app = await TestApp.StartAsync(server, options: o => o.Broker.Scheduling = ScheduledDelivery.ScheduleStream);
        app.Probe.Gate("stream").TrySetResult();

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("stream"), new TaskOptions { Countdown = TimeSpan.FromMilliseconds(500) }, Ct);

        Assert.False(app.Connection.NativeScheduling);
        var schedule = await app.Connection.JetStream.GetStreamAsync(app.Connection.Names.ScheduleStream, cancellationToken: Ct);
        Assert.Equal(1L, (long)schedule.Info.State.Messages);
        Assert.False(await app.Connection.StreamExistsAsync(app.Connection.Names.DelayedStream, Ct));
        Assert.Equal("stream", await handle.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task ServerUpgrade_TasksLeftInTheScheduleStream_RunAfterSwitchingToNative()
    {
        Assert.SkipUnless(server.HasSchedules, $"needs nats-server 2.12.1+ (this one is {server.Version})");
        var prefix = TestApp.NewPrefix();
        var probe = new Probe();
        probe.Gate("old").TrySetResult();
        probe.Gate("new").TrySetResult();
        TaskHandle<string> old;
        await using (var before = await TestApp.StartAsync(server, worker: false, prefix: prefix, probe: probe, options: o => o.Broker.Scheduling = ScheduledDelivery.ScheduleStream))
        {
            old = await before.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("old"), new TaskOptions { Countdown = TimeSpan.FromSeconds(1) }, Ct);
        }

        await using var after = await TestApp.StartAsync(server, prefix: prefix, probe: probe);
        var fresh = await after.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("new"), new TaskOptions { Countdown = TimeSpan.FromSeconds(1) }, Ct);

        Assert.True(after.Connection.NativeScheduling);
        var delayed = await after.Connection.JetStream.GetStreamAsync(after.Connection.Names.DelayedStream, cancellationToken: Ct);
        Assert.Equal(1L, (long)delayed.Info.State.Messages);
        Assert.Equal("new", await after.Client.GetHandle(HandWrittenTasks.Block, fresh.Id).GetAsync(Timeout, Ct));
        Assert.Equal("old", await after.Client.GetHandle(HandWrittenTasks.Block, old.Id).GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task NativeProducer_AndAWorkerSetToTheScheduleStream_TheWorkerStillForwards()
    {
        Assert.SkipUnless(server.HasSchedules, $"needs nats-server 2.12.1+ (this one is {server.Version})");
        var prefix = TestApp.NewPrefix();
        var probe = new Probe();
        probe.Gate("mixed").TrySetResult();
        await using var producer = await TestApp.StartAsync(server, worker: false, prefix: prefix, probe: probe);
        var handle = await producer.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("mixed"), new TaskOptions { Countdown = TimeSpan.FromSeconds(1) }, Ct);

        // A worker set to the schedule stream, started after the producer made TT_DELAYED, forwards its due tasks.
        await using var worker = await TestApp.StartAsync(server, prefix: prefix, probe: probe, options: o => o.Broker.Scheduling = ScheduledDelivery.ScheduleStream);

        Assert.True(producer.Connection.NativeScheduling);
        Assert.False(worker.Connection.NativeScheduling);
        Assert.Equal("mixed", await handle.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task NativeChosen_OnAnOlderServer_FailsWithAnExplanation()
    {
        Assert.SkipWhen(server.HasSchedules, $"nats-server {server.Version} schedules");
        await using var app = await TestApp.StartAsync(server, worker: false, options: o => o.Broker.Scheduling = ScheduledDelivery.Native);

        var error = await Assert.ThrowsAnyAsync<TypedTasksException>(
            async () => await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct));

        Assert.Contains("2.12.1", error.Message, StringComparison.Ordinal);
        Assert.Contains(server.Version, error.Message, StringComparison.Ordinal);
    }
}
