using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// Eager mode (<c>RunTasksEagerly</c>) for users' unit tests: generated proxies, no nats-server. The URL points at a
/// port nothing listens on, so any NATS use would fail the test.
/// </summary>
public sealed class EagerModeTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly Probe _probe = new();
    private IHost _host = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ITaskClient Client => _host.Services.GetRequiredService<ITaskClient>();

    public async ValueTask InitializeAsync() => _host = await StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(Ct);
        _host.Dispose();
    }

    private async Task<IHost> StartAsync(Action<EagerOptions>? eager = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(_probe);
        builder.Services.AddTypedTasks(o => o.Url = "nats://127.0.0.1:1")
            .AddTypedTasksIntegrationTestsTasks()
            .AddWorker()
            .RunTasksEagerly(eager);
        var host = builder.Build();
        await host.StartAsync(Ct);
        return host;
    }

    [Fact]
    public async Task DelayAsync_RunsTheTaskBeforeItReturns()
    {
        var handle = await Client.SyncValue().DelayAsync(40, 2, Ct);

        Assert.Equal(TaskState.Success, await handle.GetStatusAsync(Ct));
        Assert.Equal(42, await handle.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task ArgumentsAndResults_GoThroughJson()
    {
        var invoice = new Invoice(Guid.NewGuid(), DateTimeOffset.UtcNow, [new("a", 2, 1.5m), new("b", 1, 7m)], Shade.Dark, null);

        var total = await (await Client.Total().DelayAsync(invoice, 10, Ct)).GetAsync(Timeout, Ct);

        Assert.Equal(new InvoiceTotal(invoice.Id, 9m, 2), total);
    }

    [Fact]
    public async Task InstanceTasks_AreBuiltFromAScope()
    {
        var greeting = await (await Client.Greet().DelayAsync("Ada", Ct)).GetAsync(Timeout, Ct);

        Assert.Equal("Hello, Ada!", greeting);
        Assert.Equal(1, _probe.Executions("greet:Ada"));
    }

    [Fact]
    public async Task Retries_RunAtOnceUntilTheTaskSucceeds()
    {
        var handle = await Client.FlakyTwice().DelayAsync("flaky", Ct);

        Assert.Equal(3, await handle.GetAsync(Timeout, Ct));
        Assert.Equal([1, 2, 3], _probe.Attempts("flaky").Select(a => a.Attempt));
        Assert.Equal(3, (await handle.GetRecordAsync(Ct))!.Attempts);
    }

    [Fact]
    public async Task FinalFailure_IsStored_AndGetAsyncThrowsAsWithAWorker()
    {
        var handle = await Client.AlwaysFails().DelayAsync("sda", Ct);

        var error = await Assert.ThrowsAsync<TaskFailedException>(async () => await handle.GetAsync(Timeout, Ct));
        Assert.Equal(typeof(IOException).FullName, error.RemoteType);
        Assert.Contains("the disk is gone: sda", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await handle.GetRecordAsync(Ct))!.Attempts);
    }

    [Fact]
    public async Task PropagateExceptions_TheSendThrowsTheTasksException()
    {
        using var host = await StartAsync(o => o.PropagateExceptions = true);
        var client = host.Services.GetRequiredService<ITaskClient>();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await client.Broken().DelayAsync("on purpose", Ct));

        Assert.Contains("on purpose", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Countdown_IsNotWaitedFor_AndTheTaskContextWorks()
    {
        var handle = await Client.Reports().ApplyAsync("report", new TaskOptions { Countdown = TimeSpan.FromHours(1) }, Ct);

        Assert.Equal("report", await handle.GetAsync(Timeout, Ct));
        Assert.Equal(1, (await handle.GetRecordAsync(Ct))!.Attempts);
    }

    [Fact]
    public async Task Expired_IsRevokedNotRun()
    {
        var handle = await Client.SyncVoid().ApplyAsync("expired", new TaskOptions { Expires = DateTimeOffset.UtcNow.AddMinutes(-1) }, Ct);

        Assert.Equal(TaskState.Revoked, await handle.GetStatusAsync(Ct));
        Assert.Equal(0, _probe.Executions("expired"));
    }

    [Fact]
    public async Task TimeLimit_AbandonsTheRun_WithTheTimeLimitError()
    {
        var handle = await Client.EnqueueAsync(HandWrittenTasks.HardLimited, HandWrittenTasks.Key("eager-limit"), cancellationToken: Ct);
        _probe.Gate("eager-limit").TrySetResult();

        var error = await Assert.ThrowsAsync<TaskFailedException>(async () => await handle.GetAsync(Timeout, Ct));
        Assert.Equal(typeof(TaskTimeLimitExceededException).FullName, error.RemoteType);
    }

    [Fact]
    public async Task NoWorkerRuns_AndNoConnectionIsMade()
    {
        Assert.DoesNotContain(_host.Services.GetServices<IHostedService>(), s => s.GetType().Namespace!.StartsWith("TypedTasks", StringComparison.Ordinal));
        await Client.SyncVoid().DelayAsync("no-nats", Ct);

        Assert.Equal(NATS.Client.Core.NatsConnectionState.Closed, _host.Services.GetRequiredService<TypedTasks.Topology.TypedTasksConnection>().Nats.ConnectionState);
        Assert.Equal(1, _probe.Executions("no-nats"));
        Assert.Empty(await _host.Services.GetRequiredService<IWorkerInspector>().ListAsync(WorkerListing.AliveAndLost, Ct));
    }

    [Fact]
    public async Task Chain_RunsItsStepsInTheCaller_AndAFailingStepStopsIt()
    {
        var chain = ChainTasks.DoubleTask.Call(4).Then(ChainTasks.DescribeTask.Partial("eager: ")).Then(ChainTasks.SummarizeTask.Partial());
        var failing = ChainTasks.DoubleTask.Call(6).Then(ChainTasks.ExplodeTask.Partial()).Then(ChainTasks.SummarizeTask.Partial());

        var handle = await Client.SendChainAsync(chain, new TaskOptions { TaskId = "eager-chain" }, Ct);
        var stopped = await Client.SendChainAsync(failing, cancellationToken: Ct);

        Assert.Equal(new Summary("eager: 8", 8), await handle.GetAsync(Timeout, Ct));
        Assert.Equal(8, await Client.Double().GetHandle("eager-chain-0").GetAsync(Timeout, Ct));
        var error = await Assert.ThrowsAsync<TaskFailedException>(() => stopped.GetAsync(Timeout, Ct));
        Assert.Contains("exploded on 12", error.Message, StringComparison.Ordinal);
        var record = await stopped.GetRecordAsync(Ct);
        Assert.Equal((1, ChainTasks.ExplodeTask.Name), (record!.Chain!.FailedStep, record.Chain.FailedTask));
        // The failing chain's last step never ran: the only summary is the first chain's.
        Assert.Equal(["summarize:eager: 8"], _probe.ExecutedKeys.Where(key => key.StartsWith("summarize:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Group_RunsItsMembersInTheCaller_ResultsInMemberOrder()
    {
        var handle = await Client.SendGroupAsync(TaskGroup.Of(Enumerable.Range(1, 5).Select(i => GroupTasks.SquareTask.Call(i))), new TaskOptions { TaskId = "eager-group" }, Ct);

        Assert.Equal([1, 4, 9, 16, 25], await handle.GetAsync(Timeout, Ct));
        Assert.Equal(5, await handle.CountFinishedAsync(Ct));
        Assert.Equal(16, await Client.Square().GetHandle("eager-group-3").GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task Chord_RunsItsMembersThenTheCallbackInTheCaller_AndAFailingMemberEndsIt()
    {
        var chord = TaskGroup.Of(Enumerable.Range(1, 4).Select(i => GroupTasks.SquareTask.Call(i))).Then(ChordTasks.SummedTask.Partial("eager"));
        var failing = TaskGroup.Of(Enumerable.Range(0, 4).Select(i => GroupTasks.SquareOrFailTask.Call(i, 2))).Then(ChordTasks.SummedTask.Partial("never"));

        var handle = await Client.SendChordAsync(chord, new TaskOptions { TaskId = "eager-chord" }, Ct);
        var stopped = await Client.SendChordAsync(failing, new TaskOptions { TaskId = "eager-chord-failing" }, Ct);

        Assert.Equal("eager: 30 from [1,4,9,16]", await handle.GetAsync(Timeout, Ct));
        Assert.Equal("eager-chord-callback", handle.Id);
        var error = await Assert.ThrowsAsync<TaskFailedException>(() => stopped.GetAsync(Timeout, Ct));
        Assert.Contains("Member 2 (eager-chord-failing-2", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _probe.Executions("total:never") + 0);
    }

    [Fact]
    public async Task Batch_RunsItsMembersThenTheCallbackInTheCaller_CountingFailures()
    {
        var members = Enumerable.Range(0, 4).Select(i => (TaskCall)GroupTasks.SquareOrFailTask.Call(i, 1)).Append(ChordTasks.NotifyTask.Call(9, false));

        var handle = await Client.SendBatchAsync(TaskBatch.Of(members).Then(ChordTasks.OutcomeTask.Partial("eager")), new TaskOptions { TaskId = "eager-batch" }, Ct);

        Assert.Equal("eager: 4 of 5 succeeded, 1 failed [1]", await handle.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task ErrorCallbacks_OfAChainAndAChord_RunInTheCaller()
    {
        var chain = ChainTasks.DoubleTask.Call(3).Then(ChainTasks.ExplodeTask.Partial()).OnError(ChordTasks.FailedTask.Partial("eager-chain"));
        var chord = TaskGroup.Of(GroupTasks.SquareOrFailTask.Call(1, 1)).Then(ChordTasks.SummedTask.Partial("never")).OnError(ChordTasks.FailedTask.Partial("eager-chord"));

        await Client.SendChainAsync(chain, new TaskOptions { TaskId = "eager-onerror" }, Ct);
        await Client.SendChordAsync(chord, new TaskOptions { TaskId = "eager-chord-onerror" }, Ct);

        Assert.Equal($"eager-chain: eager-onerror-1 ({ChainTasks.ExplodeTask.Name}) System.InvalidOperationException: step 1 exploded on 6", await Client.GetHandle(ChordTasks.FailedTask.Definition, "eager-onerror-error").GetAsync(Timeout, Ct));
        Assert.StartsWith("eager-chord: eager-chord-onerror-0 ", await Client.GetHandle(ChordTasks.FailedTask.Definition, "eager-chord-onerror-error").GetAsync(Timeout, Ct), StringComparison.Ordinal);
    }
}
