using System.Text;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Chords on a real nats-server (issue 12, docs/protocol.md §13): the callback gets the members' results in member
/// order and is sent exactly once — also when members end at the same instant on two workers, and when a member comes
/// again after its worker died between its record and the callback; a member that fails ends the chord.</summary>
public sealed class ChordTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<TestApp> StartAsync(string[]? queues = null, string? prefix = null, Probe? probe = null, int concurrency = 4)
        => WorkflowApp.StartAsync(server, queues, prefix, probe, concurrency);

    [Fact]
    public async Task ChordOf50_CallbackGetsTheResultsInMemberOrder_RunsOnce_AndTheMarkersAreGone()
    {
        await using var app = await StartAsync();
        var chord = TaskGroup.Of(Enumerable.Range(0, 50).Select(i => GroupTasks.SquareTask.Call(i))).Then(ChordTasks.SummedTask.Partial("squares"));

        TaskHandle<string> handle = await app.Client.SendChordAsync(chord, new TaskOptions { TaskId = "chord-50" }, Ct);

        Assert.Equal("chord-50-callback", handle.Id);
        var squares = Enumerable.Range(0, 50).Select(i => i * i).ToList();
        Assert.Equal($"squares: {squares.Sum()} from [{string.Join(",", squares)}]", await handle.GetAsync(Timeout, Ct));
        Assert.Equal(1, app.Probe.Executions("total:squares"));
        // The members are tasks of their own; the group's record says how many.
        Assert.Equal(49, await app.Client.Square().GetHandle("chord-50-7").GetAsync(Timeout, Ct) + 0);
        Assert.Equal(50, (await app.Client.Square().GetHandle("chord-50").GetRecordAsync(Ct))!.Group!.Members);
        // The member that completed the chord purged its markers: only chords in flight stay in the stream.
        Assert.Equal(0, await MarkersAsync(app, "chord-50"));
    }

    /// <summary>Two chords in flight on one prefix: one waits with two of its three markers stored while the other completes.
    /// Each callback gets its own members' results only (nats-server 2.9 ignores an ordered consumer's `filter_subjects`:
    /// read that way, the second chord took the first one's markers).</summary>
    [Fact]
    public async Task TwoChordsInFlight_EachCallbackGetsItsOwnMembersResults()
    {
        await using var app = await StartAsync(["default", "chord-a"]);
        var waiting = TaskGroup.Of(GroupTasks.SquareTask.Call(10), GroupTasks.SquareTask.Call(11), ChordTasks.GatedATask.Call("in-flight", 12)).Then(ChordTasks.SummedTask.Partial("waiting"));
        var first = await app.Client.SendChordAsync(waiting, new TaskOptions { TaskId = "chord-waiting" }, Ct);
        await app.Probe.RunningAtOnce(1).WaitAsync(Timeout, Ct);
        await app.Client.Square().GetHandle("chord-waiting-1").GetAsync(Timeout, Ct);
        await app.Client.Square().GetHandle("chord-waiting-0").GetAsync(Timeout, Ct);

        var quick = await app.Client.SendChordAsync(TaskGroup.Of(Enumerable.Range(1, 3).Select(i => GroupTasks.SquareTask.Call(i))).Then(ChordTasks.SummedTask.Partial("quick")), new TaskOptions { TaskId = "chord-quick" }, Ct);

        Assert.Equal("quick: 14 from [1,4,9]", await quick.GetAsync(Timeout, Ct));
        app.Probe.Gate("in-flight").TrySetResult();
        Assert.Equal("waiting: 233 from [100,121,12]", await first.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task ACallbackTakingAnArray_Compiles_AndGetsEveryResult()
    {
        await using var app = await StartAsync();
        var chord = TaskGroup.Of(Enumerable.Range(0, 5).Select(i => GroupTasks.SquareTask.Call(i))).Then(ChordTasks.TallyTask.Partial());

        var handle = await app.Client.SendChordAsync(chord, cancellationToken: Ct);

        Assert.Equal(5, await handle.GetAsync(Timeout, Ct));
    }

    /// <summary>Sixteen members held at a gate on two workers (eight slots each, one member queue each), released at once: they end
    /// together and several may see the chord complete; the callback runs once, three rounds in a row.</summary>
    [Fact]
    public async Task MembersEndingTogether_OnTwoWorkers_SendTheCallbackOnce()
    {
        var probe = new Probe();
        await using var a = await StartAsync(["chord-a", "default"], probe: probe, concurrency: 8);
        await using var b = await StartAsync(["chord-b"], prefix: a.Prefix, probe: probe, concurrency: 8);
        for (var round = 0; round < 3; round++)
        {
            var key = $"together-{round}";
            var members = Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? ChordTasks.GatedATask.Call(key, i) : ChordTasks.GatedBTask.Call(key, i));
            var handle = await a.Client.SendChordAsync(TaskGroup.Of(members).Then(ChordTasks.SummedTask.Partial(key)), new TaskOptions { TaskId = key }, Ct);
            await probe.RunningAtOnce(16).WaitAsync(Timeout, Ct);

            probe.Gate(key).TrySetResult();

            Assert.Equal($"{key}: 120 from [{string.Join(",", Enumerable.Range(0, 16))}]", await handle.GetAsync(Timeout, Ct));
            Assert.Equal(1, probe.Executions("total:" + key));
        }
    }

    [Fact]
    public async Task AFailingMember_EndsTheChord_TheCallbackNeverRuns_AndItsRecordSaysWhichMember()
    {
        await using var app = await StartAsync();
        var chord = TaskGroup.Of(Enumerable.Range(0, 10).Select(i => GroupTasks.SquareOrFailTask.Call(i, 6))).Then(ChordTasks.SummedTask.Partial("failing"));

        var handle = await app.Client.SendChordAsync(chord, new TaskOptions { TaskId = "chord-failing" }, Ct);

        var failed = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Equal("chord-failing-callback", failed.TaskId);
        Assert.Contains("Member 6 (chord-failing-6", failed.Message, StringComparison.Ordinal);
        Assert.Contains("member 6 failed on purpose", failed.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(InvalidOperationException).FullName, failed.RemoteType);
        // Every member ended, the others with their results; the callback never ran.
        var group = app.Client.GetGroupHandle(GroupTasks.SquareOrFailTask.Definition, "chord-failing", 10);
        await EndedAsync(group);
        Assert.Equal(10, await group.CountFinishedAsync(Ct));
        Assert.Equal(81, await group.Members[9].GetAsync(Timeout, Ct));
        Assert.Equal(0, app.Probe.Executions("total:failing"));
    }

    [Fact]
    public async Task AFailingMember_SendsTheErrorCallbackOnce_WithWhatFailed()
    {
        await using var app = await StartAsync();
        var chord = TaskGroup.Of(Enumerable.Range(0, 6).Select(i => GroupTasks.SquareOrFailTask.Call(i, i is 2 or 4 ? i : -1)))
            .Then(ChordTasks.SummedTask.Partial("never"))
            .OnError(ChordTasks.FailedTask.Partial("chord"));

        var handle = await app.Client.SendChordAsync(chord, new TaskOptions { TaskId = "chord-onerror" }, Ct);

        await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        var failed = await app.Client.GetHandle(ChordTasks.FailedTask.Definition, "chord-onerror-error").GetAsync(Timeout, Ct);
        // Two members failed; the first one to end the chord sent the handler, once.
        Assert.Matches(@"^chord: chord-onerror-[24] \(TypedTasks\.Integration\.Tests\.GroupTasks\.SquareOrFail\) System\.InvalidOperationException: member [24] failed on purpose$", failed);
        await EndedAsync(app.Client.GetGroupHandle(GroupTasks.SquareOrFailTask.Definition, "chord-onerror", 6));
        Assert.Equal(1, app.Probe.Executions("failed:chord"));
        Assert.Equal(0, app.Probe.Executions("total:never"));
    }

    /// <summary>
    /// The crash window: every member's marker and record are stored, and the worker that stored the last one died before
    /// the callback (reproduced by hand: the members run as a group, their markers are published as the worker would).
    /// A member delivered again — its record is final — settles the chord again and sends the callback.
    /// </summary>
    [Fact]
    public async Task AMemberDeliveredAgain_AfterItsWorkerDiedBeforeTheCallback_SendsIt()
    {
        await using var app = await StartAsync();
        var group = await app.Client.SendGroupAsync(TaskGroup.Of(Enumerable.Range(1, 3).Select(i => GroupTasks.SquareTask.Call(i))), new TaskOptions { TaskId = "chord-crash" }, Ct);
        Assert.Equal([1, 4, 9], await group.GetAsync(Timeout, Ct));
        await app.Connection.EnsureChordsStreamAsync(Ct);
        var callback = new Protocol.ChainStep(ChordTasks.SummedTask.Name, "default", "values", Encoding.UTF8.GetBytes("""{"label":"recovered"}"""));
        for (var index = 0; index < 3; index++)
        {
            var plan = Protocol.ChordPlan.Member("chord-crash", index, 3, callback);
            var marker = await app.Connection.JetStream.PublishAsync(
                app.Connection.Names.ChordSubject("chord-crash"),
                Encoding.UTF8.GetBytes(((index + 1) * (index + 1)).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                opts: new NatsJSPubOpts { MsgId = plan.MarkerId },
                headers: new NatsHeaders { ["TT-Chord-Index"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                cancellationToken: Ct);
            marker.EnsureSuccess();
        }

        var before = await app.Client.Square().GetHandle("chord-crash-1").GetRecordAsync(Ct);
        var again = new NatsHeaders
        {
            ["TT-Protocol"] = "1",
            ["TT-Task"] = GroupTasks.SquareTask.Name,
            ["TT-Id"] = "chord-crash-1",
            ["TT-Chord"] = Protocol.ChordPlan.Member("chord-crash", 1, 3, callback).ToHeader(),
        };
        (await app.Connection.JetStream.PublishAsync(app.Connection.Names.TaskSubject("default"), """{"value":2}"""u8.ToArray(), headers: again, cancellationToken: Ct)).EnsureSuccess();

        var total = app.Client.GetHandle(ChordTasks.SummedTask.Definition, "chord-crash-callback");
        Assert.Equal("recovered: 14 from [1,4,9]", await total.GetAsync(Timeout, Ct));
        // The member was not run again: its record is the one it had.
        Assert.Equal(before!.CompletedAt, (await app.Client.Square().GetHandle("chord-crash-1").GetRecordAsync(Ct))!.CompletedAt);
    }

    /// <summary>Revoking the chord's handle stops the members that have not started and the callback: one slot, the first
    /// member held at a gate while the handle is revoked.</summary>
    [Fact]
    public async Task RevokingTheChord_StopsItsWaitingMembers_AndTheCallback()
    {
        await using var app = await StartAsync(["chord-a"], concurrency: 1);
        var members = Enumerable.Range(0, 3).Select(i => ChordTasks.GatedATask.Call("revoked-chord", i));
        var handle = await app.Client.SendChordAsync(TaskGroup.Of(members).Then(ChordTasks.SummedTask.Partial("revoked")), new TaskOptions { TaskId = "chord-revoked" }, Ct);
        await app.Probe.RunningAtOnce(1).WaitAsync(Timeout, Ct);

        await handle.RevokeAsync(cancellationToken: Ct);
        // The worker learns of revocations through a watch: the gate opens once it has (nothing announces that but the
        // registry itself, read until it says so).
        var revocations = app.Host.Services.GetRequiredService<Worker.RevocationRegistry>();
        using (var seen = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            seen.CancelAfter(Timeout);
            while (!revocations.IsRevoked(handle.Id))
            {
                await Task.Delay(10, seen.Token);
            }
        }

        app.Probe.Gate("revoked-chord").TrySetResult();

        await Assert.ThrowsAsync<TaskRevokedException>(() => handle.GetAsync(Timeout, Ct));
        var group = app.Client.GetGroupHandle(ChordTasks.GatedATask.Definition, "chord-revoked", 3);
        await EndedAsync(group);
        var states = new List<TaskState>();
        foreach (var member in group.Members)
        {
            states.Add((await member.GetRecordAsync(Ct))!.State);
        }

        Assert.Equal(2, states.Count(s => s == TaskState.Revoked));
        Assert.Equal(0, app.Probe.Executions("total:revoked"));
    }

    [Fact]
    public async Task MalformedChordPlans_OnTheWire_AreDeadLetteredWithAReason_NeverRun()
    {
        await using var app = await StartAsync();
        var callback = """{"task":"TypedTasks.Integration.Tests.ChordTasks.Summed","queue":"default","arg":"values","args":{"label":"x"}}""";
        var cases = new (string Id, string Plan, string Reason)[]
        {
            ("chord-json-0", "{\"group\":\"chord-json\",", "Invalid TT-Chord header: it is not valid JSON"),
            ("chord-many-0", $"{{\"group\":\"chord-many\",\"index\":0,\"members\":10001,\"callback\":{callback}}}", "'members' must be a whole number from 1 to 10000"),
            ("chord-index-5", $"{{\"group\":\"chord-index\",\"index\":5,\"members\":3,\"callback\":{callback}}}", "'index' must be a whole number from 0 to members - 1"),
            ("chord-other", $"{{\"group\":\"chord-mismatch\",\"index\":0,\"members\":1,\"callback\":{callback}}}", "must be '<group>-<index>', 'chord-mismatch-0'"),
            ("chord-nocb-0", "{\"group\":\"chord-nocb\",\"index\":0,\"members\":1}", "'callback' is missing"),
            ("chord-fills-0", "{\"group\":\"chord-fills\",\"index\":0,\"members\":1,\"callback\":{\"task\":\"x\",\"queue\":\"default\",\"arg\":\"values\",\"args\":{\"values\":[]}}}", "must not hold 'values'"),
        };
        foreach (var (id, plan, _) in cases)
        {
            var headers = new NatsHeaders { ["TT-Protocol"] = "1", ["TT-Task"] = GroupTasks.SquareTask.Name, ["TT-Id"] = id, ["TT-Chord"] = plan };
            (await app.Connection.JetStream.PublishAsync(app.Connection.Names.TaskSubject("default"), """{"value":7}"""u8.ToArray(), headers: headers, cancellationToken: Ct)).EnsureSuccess();
        }

        foreach (var (id, _, reason) in cases)
        {
            var failed = await Assert.ThrowsAsync<TaskFailedException>(() => app.Client.Square().GetHandle(id).GetAsync(Timeout, Ct));
            Assert.Contains(reason, failed.Message, StringComparison.Ordinal);
        }

        var dead = await app.Host.Services.GetRequiredService<IDeadLetters>().ListAsync("default", Ct).ToListAsync(Ct);
        foreach (var (id, _, reason) in cases)
        {
            Assert.Contains(reason, Assert.Single(dead, d => d.TaskId == id).Reason, StringComparison.Ordinal);
        }

        Assert.Equal(0, app.Probe.Executions("total:x"));
    }

    [Fact]
    public async Task AChordId_TooLongOrWithOptionsAChordDoesNotTake_IsRefusedBeforeAnythingIsSent()
    {
        await using var app = await StartAsync();
        var chord = TaskGroup.Of(GroupTasks.SquareTask.Call(3)).Then(ChordTasks.TallyTask.Partial());
        await Assert.ThrowsAsync<ArgumentException>(async () => await app.Client.SendChordAsync(chord, new TaskOptions { TaskId = new string('c', 101) }, Ct));
        var options = await Assert.ThrowsAsync<ArgumentException>(async () => await app.Client.SendChordAsync(chord, new TaskOptions { Queue = "other" }, Ct));
        Assert.Contains("A chord takes only TaskOptions.TaskId", options.Message, StringComparison.Ordinal);
        Assert.Equal(chord, TaskGroup.Of(GroupTasks.SquareTask.Call(3)).Then(ChordTasks.TallyTask.Partial()));
        Assert.NotEqual(chord, TaskGroup.Of(GroupTasks.SquareTask.Call(4)).Then(ChordTasks.TallyTask.Partial()));
    }

    /// <summary>How many markers of a group the chords stream holds.</summary>
    private static async Task<long> MarkersAsync(TestApp app, string group)
    {
        var subject = app.Connection.Names.ChordSubject(group);
        var stream = await app.Connection.JetStream.GetStreamAsync(app.Connection.Names.ChordsStream, new StreamInfoRequest { SubjectsFilter = subject }, Ct);
        return stream.Info.State.Subjects is { } subjects && subjects.TryGetValue(subject, out var count) ? count : 0;
    }

    /// <summary>Waits until every member has ended, however it ended.</summary>
    private static async Task EndedAsync<T>(TaskGroupHandle<T> group)
    {
        foreach (var member in group.Members)
        {
            try
            {
                await member.GetAsync(Timeout, Ct);
            }
            catch (Exception ex) when (ex is TaskFailedException or TaskRevokedException)
            {
            }
        }
    }
}
