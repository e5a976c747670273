using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;
using TypedTasks.Cli;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Chains on a real nats-server (issue 12, docs/workflows.md): typed steps, a failing step that stops the chain,
/// a revoked chain, and plans on the wire that break a bound.</summary>
public sealed class ChainTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<TestApp> StartAsync() => TestApp.StartAsync(
        server,
        tasks: b => b.AddTypedTasksIntegrationTestsTasks(),
        workerOptions: o => o.Queues = ["default", "text"]);

    [Fact]
    public async Task EverySteps_SentEvent_IsPublished_LaterOnesByTheWorkerThatSentThem()
    {
        await using var app = await TestApp.StartAsync(
            server,
            tasks: b => b.AddTypedTasksIntegrationTestsTasks(),
            workerOptions: o => o.Queues = ["default", "text"],
            options: o => o.SendTaskEvents = true);
        await using var feed = await app.Host.Services.GetRequiredService<ITaskEvents>().SubscribeAsync([TaskEventKind.Sent], Ct);
        var chain = ChainTasks.DoubleTask.Call(3).Then(ChainTasks.DescribeTask.Partial("n=")).Then(ChainTasks.SummarizeTask.Partial());
        var handle = await app.Client.SendChainAsync(chain, new TaskOptions { TaskId = "chain-events" }, Ct);
        Assert.Equal(new Summary("n=6", 3), await handle.GetAsync(Timeout, Ct));

        var sent = new Dictionary<string, TaskEvent>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        await foreach (var taskEvent in feed.ReadAllAsync(deadline.Token))
        {
            if (taskEvent.Id.StartsWith("chain-events-", StringComparison.Ordinal) && sent.TryAdd(taskEvent.Id, taskEvent) && sent.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(ChainTasks.DoubleTask.Name, sent["chain-events-0"].TaskName);
        Assert.Null(sent["chain-events-0"].Worker);
        Assert.Equal(ChainTasks.DescribeTask.Name, sent["chain-events-1"].TaskName);
        Assert.Equal("text", sent["chain-events-1"].Queue);
        Assert.Equal(app.WorkerService.Id, sent["chain-events-1"].Worker);
        Assert.Equal(ChainTasks.SummarizeTask.Name, sent["chain-events-2"].TaskName);
        Assert.Equal(app.WorkerService.Id, sent["chain-events-2"].Worker);
    }

    [Fact]
    public async Task ThreeStepChain_IntToStringToRecord_HandleYieldsTheLastResult()
    {
        await using var app = await StartAsync();
        var chain = ChainTasks.DoubleTask.Call(21)                  // int
            .Then(ChainTasks.DescribeTask.Partial("answer: "))      // int -> string, on queue "text"
            .Then(ChainTasks.SummarizeTask.Partial());              // string -> Summary

        TaskHandle<Summary> handle = await app.Client.SendChainAsync(chain, new TaskOptions { TaskId = "chain-ok" }, Ct);

        Assert.Equal(new Summary("answer: 42", 10), await handle.GetAsync(Timeout, Ct));
        Assert.Equal("chain-ok", handle.Id);
        var record = await handle.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Success, record!.State);
        Assert.Equal(3, record.Chain!.Steps);
        Assert.Equal([ChainTasks.DoubleTask.Name, ChainTasks.DescribeTask.Name, ChainTasks.SummarizeTask.Name], record.Chain.Tasks);
        Assert.Null(record.Chain.FailedStep);
        // Each step is a task of its own, under <chain id>-<step>.
        Assert.Equal(42, await app.Client.Double().GetHandle("chain-ok-0").GetAsync(Timeout, Ct));
        Assert.Equal("answer: 42", await app.Client.Describe().GetHandle("chain-ok-1").GetAsync(Timeout, Ct));
        Assert.Equal(1, app.Probe.Executions("double:21"));
        Assert.Equal(1, app.Probe.Executions("describe:answer: "));
        Assert.Equal(1, app.Probe.Executions("summarize:answer: 42"));
        Assert.Equal(
            $"{ChainTasks.DoubleTask.Name} {{\"value\":21}} | {ChainTasks.DescribeTask.Name}(number = previous result) {{\"prefix\":\"answer: \"}} | {ChainTasks.SummarizeTask.Name}(text = previous result) {{}}",
            chain.ToString());

        var (code, status, _) = await TtAsync(app, "status", "chain-ok");
        Assert.Equal(0, code);
        Assert.Contains("chain-ok: SUCCESS", status, StringComparison.Ordinal);
        Assert.Contains($"chain:     3 steps: {ChainTasks.DoubleTask.Name} -> {ChainTasks.DescribeTask.Name} -> {ChainTasks.SummarizeTask.Name}", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingStep_SendsTheErrorCallbackOnce_WithTheStepAndItsError()
    {
        await using var app = await StartAsync();
        var chain = ChainTasks.DoubleTask.Call(7).Then(ChainTasks.ExplodeTask.Partial()).Then(ChainTasks.SummarizeTask.Partial())
            .OnError(ChordTasks.FailedTask.Partial("chain"));
        var succeeding = ChainTasks.DoubleTask.Call(8).Then(ChainTasks.DescribeTask.Partial("fine: ")).OnError(ChordTasks.FailedTask.Partial("not-called"));

        var handle = await app.Client.SendChainAsync(chain, new TaskOptions { TaskId = "chain-onerror" }, Ct);
        var fine = await app.Client.SendChainAsync(succeeding, new TaskOptions { TaskId = "chain-fine" }, Ct);

        await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        var failed = await app.Client.GetHandle(ChordTasks.FailedTask.Definition, "chain-onerror-error").GetAsync(Timeout, Ct);
        Assert.Equal($"chain: chain-onerror-1 ({ChainTasks.ExplodeTask.Name}) System.InvalidOperationException: step 1 exploded on 14", failed);
        Assert.Equal(1, app.Probe.Executions("failed:chain"));
        Assert.Equal("fine: 16", await fine.GetAsync(Timeout, Ct));
        Assert.Null(await app.Client.GetHandle(ChordTasks.FailedTask.Definition, "chain-fine-error").GetRecordAsync(Ct));
        Assert.NotEqual(chain, ChainTasks.DoubleTask.Call(7).Then(ChainTasks.ExplodeTask.Partial()).Then(ChainTasks.SummarizeTask.Partial()));
    }

    [Fact]
    public async Task FailingMiddleStep_StopsTheChain_TheLastStepNeverRuns_AndTheRecordNamesTheStep()
    {
        await using var app = await StartAsync();
        var chain = ChainTasks.DoubleTask.Call(5).Then(ChainTasks.ExplodeTask.Partial()).Then(ChainTasks.SummarizeTask.Partial());

        var handle = await app.Client.SendChainAsync(chain, new TaskOptions { TaskId = "chain-failing" }, Ct);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Contains("step 1 exploded on 10", error.Message, StringComparison.Ordinal);
        var record = await handle.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Failure, record!.State);
        Assert.Equal(1, record.Chain!.FailedStep);
        Assert.Equal(ChainTasks.ExplodeTask.Name, record.Chain.FailedTask);
        Assert.Equal(typeof(InvalidOperationException).FullName, record.Error!.Type);
        // The failing step's own record is final too; the last step was never sent, so it has none and never ran.
        await Assert.ThrowsAsync<TaskFailedException>(() => app.Client.Explode().GetHandle("chain-failing-1").GetAsync(Timeout, Ct));
        Assert.Null(await app.Client.Summarize().GetHandle("chain-failing-2").GetRecordAsync(Ct));
        Assert.Equal(1, app.Probe.Executions("explode:10"));
        Assert.DoesNotContain(app.Probe.ExecutedKeys, key => key.StartsWith("summarize:", StringComparison.Ordinal));

        var (_, status, _) = await TtAsync(app, "status", "chain-failing");
        Assert.Contains("chain-failing: FAILURE", status, StringComparison.Ordinal);
        Assert.Contains($"stopped at: step 1 ({ChainTasks.ExplodeTask.Name}), task chain-failing-1", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStepThatRetries_KeepsItsChain_AndTheNextStepGetsTheRetriedResult()
    {
        await using var app = await StartAsync();
        var chain = ChainTasks.DoubleTask.Call(50).Then(ChainTasks.FlakyDescribeTask.Partial()).Then(ChainTasks.SummarizeTask.Partial());

        var handle = await app.Client.SendChainAsync(chain, new TaskOptions { TaskId = "chain-retry" }, Ct);

        Assert.Equal(new Summary("attempt 2: 100", 14), await handle.GetAsync(Timeout, Ct));
        Assert.Equal([1, 2], app.Probe.Attempts("flaky:100").Select(a => a.Attempt));
        Assert.Equal(2, (await app.Client.FlakyDescribe().GetHandle("chain-retry-1").GetRecordAsync(Ct))!.Attempts);
    }

    [Fact]
    public async Task RevokedChain_SendsNoFurtherStep()
    {
        await using var app = await StartAsync();
        var chain = ChainTasks.HoldTask.Call("revoke-me").Then(ChainTasks.DescribeTask.Partial("never: "));
        var handle = await app.Client.SendChainAsync(chain, new TaskOptions { TaskId = "chain-revoked" }, Ct);
        await app.Probe.StartedSignal("revoke-me").Task.WaitAsync(Timeout, Ct);

        // Revoked while step 0 runs: it finishes, and the chain goes no further.
        await handle.RevokeAsync(cancellationToken: Ct);
        app.Probe.Gate("revoke-me").TrySetResult();

        await Assert.ThrowsAsync<TaskRevokedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Equal("revoke-me".Length, await app.Client.Hold().GetHandle("chain-revoked-0").GetAsync(Timeout, Ct));
        Assert.Null(await app.Client.Describe().GetHandle("chain-revoked-1").GetRecordAsync(Ct));
        Assert.Equal(0, app.Probe.Executions("describe:never: "));
        var record = await handle.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Revoked, record!.State);
        Assert.Equal(2, record.Chain!.Steps);
    }

    /// <summary>
    /// Two deliveries of one step (here: a second copy of step 0 under another message id, and no record check before
    /// running, so that both run — as after a worker that died between sending the next step and storing its own record)
    /// settle twice, and the next step still runs once: it is published under the message id &lt;chain id&gt;-1 both
    /// times, and a settle that comes after the chain ended sends nothing.
    /// </summary>
    [Fact]
    public async Task AStepSettledTwice_SendsTheNextStepOnce()
    {
        await using var app = await TestApp.StartAsync(
            server,
            tasks: b => b.AddTypedTasksIntegrationTestsTasks(),
            workerOptions: o =>
            {
                o.Queues = ["default", "text"];
                o.CheckRecordBeforeRun = false;
            });
        var chain = ChainTasks.GatedTask.Call("twice").Then(ChainTasks.DescribeTask.Partial("twice: "));
        var handle = await app.Client.SendChainAsync(chain, new TaskOptions { TaskId = "chain-twice" }, Ct);
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var copy = new NatsHeaders
        {
            ["TT-Protocol"] = "1",
            ["TT-Task"] = ChainTasks.GatedTask.Name,
            ["TT-Id"] = "chain-twice-0",
            ["TT-Chain"] = $$$"""{"id":"chain-twice","step":0,"steps":2,"next":[{"task":"{{{ChainTasks.DescribeTask.Name}}}","queue":"text","arg":"number","args":{"prefix":"twice: "}}]}""",
        };
        var ack = await new NatsJSContext(nats).PublishAsync(
            app.Connection.Names.TaskSubject("default"), """{"key":"twice"}"""u8.ToArray(), opts: new NatsJSPubOpts { MsgId = "chain-twice-0-copy" }, headers: copy, cancellationToken: Ct);
        ack.EnsureSuccess();

        // Both copies of step 0 run at once, then finish together.
        await app.Probe.RunningAtOnce(2).WaitAsync(Timeout, Ct);
        app.Probe.Gate("twice").TrySetResult();

        Assert.Equal("twice: 5", await handle.GetAsync(Timeout, Ct));
        Assert.Equal(2, app.Probe.Executions("gated:twice"));
        Assert.Equal(1, app.Probe.Executions("describe:twice: "));
    }

    [Fact]
    public async Task MalformedOrOversizedPlans_OnTheWire_AreDeadLetteredWithAReason_NeverRun()
    {
        await using var app = await StartAsync();
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var js = new NatsJSContext(nats);
        var step = """{"task":"TypedTasks.Integration.Tests.ChainTasks.Summarize","queue":"default","arg":"text","args":{}}""";
        var cases = new (string Id, string Plan, string Reason)[]
        {
            ("bad-json-0", "{\"id\":\"bad-json\",", "Invalid TT-Chain header: it is not valid JSON"),
            ("too-many-0", $"{{\"id\":\"too-many\",\"step\":0,\"steps\":33,\"next\":[{string.Join(",", Enumerable.Repeat(step, 32))}]}}", "'steps' must be a whole number from 1 to 32"),
            ("too-big-0", $"{{\"id\":\"too-big\",\"step\":0,\"steps\":2,\"next\":[{step.Replace("{}", $"{{\"pad\":\"{new string('x', 9000)}\"}}", StringComparison.Ordinal)}]}}", "more than 8192"),
            ("other-id", "{\"id\":\"mismatch\",\"step\":0,\"steps\":1,\"next\":[]}", "must be '<chain id>-<step>', 'mismatch-0'"),
            ("short-0", $"{{\"id\":\"short\",\"step\":0,\"steps\":3,\"next\":[{step}]}}", "'next' has 1 steps, but step 0 of 3 leaves 2"),
            ("fills-0", "{\"id\":\"fills\",\"step\":0,\"steps\":2,\"next\":[{\"task\":\"x\",\"queue\":\"default\",\"arg\":\"text\",\"args\":{\"text\":\"set\"}}]}", "must not hold 'text'"),
        };
        foreach (var (id, plan, _) in cases)
        {
            var headers = new NatsHeaders { ["TT-Protocol"] = "1", ["TT-Task"] = ChainTasks.DoubleTask.Name, ["TT-Id"] = id, ["TT-Chain"] = plan };
            var ack = await js.PublishAsync(app.Connection.Names.TaskSubject("default"), System.Text.Encoding.UTF8.GetBytes($$"""{"value":{{cases.Length}}}"""), headers: headers, cancellationToken: Ct);
            ack.EnsureSuccess();
        }

        // A dead letter with a usable id stores FAILURE: wait for those, then read the dead letters.
        foreach (var (id, _, reason) in cases)
        {
            var failed = await Assert.ThrowsAsync<TaskFailedException>(() => app.Client.Double().GetHandle(id).GetAsync(Timeout, Ct));
            Assert.Contains(reason, failed.Message, StringComparison.Ordinal);
        }

        var dead = await app.Host.Services.GetRequiredService<IDeadLetters>().ListAsync("default", Ct).ToListAsync(Ct);
        foreach (var (id, _, reason) in cases)
        {
            var letter = Assert.Single(dead, d => d.TaskId == id);
            Assert.Contains(reason, letter.Reason, StringComparison.Ordinal);
        }

        Assert.Equal(0, app.Probe.Executions($"double:{cases.Length}"));
        Assert.DoesNotContain(app.Probe.ExecutedKeys, key => key.StartsWith("summarize:", StringComparison.Ordinal));
    }

    [Fact]
    public void Signatures_AreSerializable_AndReadBackEqual()
    {
        var call = ChainTasks.DescribeTask.Call(3, "prefix \u00e9 \"quoted\"");
        var partial = ChainTasks.DescribeTask.Partial("n=");

        var json = call.ToJson();
        var partialJson = partial.ToJson();

        Assert.Equal("{\"task\":\"" + ChainTasks.DescribeTask.Name + "\",\"args\":{\"number\":3,\"prefix\":\"prefix \\u00E9 \\u0022quoted\\u0022\"}}", json);
        Assert.Equal(call, TaskCall<string>.FromJson(json, ChainTasks.DescribeTask.Definition));
        Assert.Equal(partial, PartialTaskCall<int, string>.FromJson(partialJson, ChainTasks.DescribeTask.Definition));
        Assert.Equal(ChainTasks.DescribeTask.Call(3, "prefix \u00e9 \"quoted\"").GetHashCode(), TaskCall<string>.FromJson(json, ChainTasks.DescribeTask.Definition).GetHashCode());
        // Read back, it chains as the original does.
        Assert.Equal(
            ChainTasks.DoubleTask.Call(2).Then(partial),
            TaskCall<int>.FromJson(ChainTasks.DoubleTask.Call(2).ToJson(), ChainTasks.DoubleTask.Definition).Then(PartialTaskCall<int, string>.FromJson(partialJson, ChainTasks.DescribeTask.Definition)));
        var other = Assert.Throws<ArgumentException>(() => TaskCall<int>.FromJson(json, ChainTasks.DoubleTask.Definition));
        Assert.Contains($"calls '{ChainTasks.DescribeTask.Name}', not '{ChainTasks.DoubleTask.Name}'", other.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => TaskCall<string>.FromJson("{\"task\":", ChainTasks.DescribeTask.Definition));
        Assert.Throws<ArgumentException>(() => PartialTaskCall<int, string>.FromJson(json, ChainTasks.DescribeTask.Definition));
    }

    [Fact]
    public void Signatures_AreValues_EqualByTaskAndArguments()
    {
        Assert.Equal(ChainTasks.DoubleTask.Call(2), ChainTasks.DoubleTask.Call(2));
        Assert.Equal(ChainTasks.DoubleTask.Call(2).GetHashCode(), ChainTasks.DoubleTask.Call(2).GetHashCode());
        Assert.NotEqual(ChainTasks.DoubleTask.Call(2), ChainTasks.DoubleTask.Call(3));
        Assert.Equal(ChainTasks.DescribeTask.Partial("a"), ChainTasks.DescribeTask.Partial("a"));
        Assert.NotEqual(ChainTasks.DescribeTask.Partial("a"), ChainTasks.DescribeTask.Partial("b"));
        Assert.Equal(
            ChainTasks.DoubleTask.Call(2).Then(ChainTasks.DescribeTask.Partial("a")),
            ChainTasks.DoubleTask.Call(2).Then(ChainTasks.DescribeTask.Partial("a")));
        Assert.NotEqual(
            ChainTasks.DoubleTask.Call(2).Then(ChainTasks.DescribeTask.Partial("a")),
            ChainTasks.DoubleTask.Call(2).Then(ChainTasks.DescribeTask.Partial("b")));
        Assert.Equal($"{ChainTasks.DoubleTask.Name} {{\"value\":2}}", ChainTasks.DoubleTask.Call(2).ToString());
    }

    private async Task<(int Code, string Output, string Error)> TtAsync(TestApp app, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await TtCommand.RunAsync(["--url", server.Url, "--prefix", app.Prefix, .. args], output, error, Ct).WaitAsync(Timeout, Ct);
        return (code, output.ToString(), error.ToString());
    }
}
