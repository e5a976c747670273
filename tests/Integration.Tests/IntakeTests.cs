using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.Protocol;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// The intake (issue 14): what a careless or hostile producer sends is checked before it takes a slot. A bad message is
/// never run, is dead-lettered exactly once with a reason and its original, and never loops; a worker publishes only to
/// results subjects, never to what a message names.
/// </summary>
public sealed class IntakeTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BadMessages_AreDeadLetteredOnce_NeverRun_AndNothingLoops()
    {
        await using var app = await TestApp.StartAsync(server);
        var names = app.Connection.Names;
        // A task waiting in a queue nobody serves: a confused deputy's purge would remove it.
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var js = new NatsJSContext(nats);
        await PublishAsync(js, names.TaskSubject("idle"), Headers("tests.count", "bystander"), """{"key":"bystander"}""");
        // Something subscribed where a forged TT-Reply points: nothing may arrive.
        await using var deputy = await nats.SubscribeCoreAsync<byte[]>(names.TaskSubject("faults") + ".>", cancellationToken: Ct);
        await using var purge = await nats.SubscribeCoreAsync<byte[]>("$JS.API.STREAM.PURGE.>", cancellationToken: Ct);

        var cases = new List<(string Key, NatsHeaders Headers, string Body, string Reason)>
        {
            Case("space", h => h["TT-Id"] = "has space", "is not valid"),
            Case("star", h => h["TT-Id"] = "a*b", "is not valid"),
            Case("gt", h => h["TT-Id"] = "a>b", "is not valid"),
            Case("umlaut", h => h["TT-Id"] = "über", "is not valid"),
            Case("dot", h => h["TT-Id"] = "a.b", "is not valid"),
            Case("long-id", h => h["TT-Id"] = new string('x', 129), "is not valid"),
            Case("huge-id", h => h["TT-Id"] = new string('y', 5000), "is not valid"),
            Case("no-protocol", h => h.Remove("TT-Protocol"), "TT-Protocol"),
            Case("bad-protocol", h => h["TT-Protocol"] = "one", "TT-Protocol"),
            Case("newer-protocol", h => h["TT-Protocol"] = "2", "newer"),
            Case("reply-purge", h => h["TT-Reply"] = "$JS.API.STREAM.PURGE." + names.TasksStream, "TT-Reply"),
            Case("reply-queue", h => h["TT-Reply"] = names.TaskSubject("faults") + ".x", "TT-Reply"),
            Case("reply-kv", h => h["TT-Reply"] = "$KV." + names.ResultsBucket + ".victim", "TT-Reply"),
            Case("reply-bad-token", h => h["TT-Reply"] = names.ResultsSubjectPrefix + new string('a', 32) + ".NOT-A-TOKEN", "TT-Reply"),
            Case("reply-deeper", h => h["TT-Reply"] = names.ResultsSubjectPrefix + new string('a', 32) + "." + new string('b', 32) + ".x", "TT-Reply"),
            Case("bad-expires", h => h["TT-Expires"] = "tomorrow", "TT-Expires"),
            Case("bad-attempt", h => h["TT-Attempt"] = "0", "TT-Attempt"),
            Case("bad-retries", h => h["TT-Max-Retries"] = "-1", "TT-Max-Retries"),
            Case("bad-revision", h => h["TT-Record-Revision"] = "x", "TT-Record-Revision"),
            Case("trailing", _ => { }, "after a single JSON value", body: """{"key":"trailing"} garbage"""),
            Case("two-objects", _ => { }, "after a single JSON value", body: """{"key":"two-objects"}{"key":"x"}"""),
            Case("truncated", _ => { }, "not valid JSON", body: """{"key":"trunc"""),
            Case("array", _ => { }, "not a JSON object", body: """["array"]"""),
            Case("deep", _ => { }, "not valid JSON", body: """{"key":"deep","x":""" + new string('[', 100) + new string(']', 100) + "}"),
        };

        foreach (var (key, headers, body, _) in cases)
        {
            await PublishAsync(js, names.TaskSubject("default"), headers, body);
        }

        var deadLetters = app.Host.Services.GetRequiredService<IDeadLetters>();
        var dead = await WaitForAsync(
            async () => await deadLetters.ListAsync("default", Ct).ToListAsync(Ct),
            letters => letters.Count >= cases.Count,
            letters => "dead-lettered: " + string.Join(", ", letters.Select(d => d.Headers.GetValueOrDefault("TT-Case"))));
        await WaitForAsync(() => QueueStateAsync(js, names, "default"), state => state is { Pending: 0, AckPending: 0 });

        // A valid task after all of them still runs: the worker is alive and serving.
        var sentinel = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);
        Assert.Equal(42, await sentinel.GetAsync(Timeout, Ct));

        dead = await deadLetters.ListAsync("default", Ct).ToListAsync(Ct);
        Assert.Equal(cases.Count, dead.Count);
        foreach (var (key, _, _, reason) in cases)
        {
            Assert.Equal(0, app.Probe.Executions(key));
            var letter = Assert.Single(dead, d => d.Headers.TryGetValue("TT-Case", out var c) && c == key);
            Assert.Contains(reason, letter.Reason, StringComparison.Ordinal);
        }

        Assert.Equal(0, app.Probe.Executions("bystander"));
        var stream = await js.GetStreamAsync(names.TasksStream, cancellationToken: Ct);
        Assert.Equal(1, stream.Info.State.Messages); // the bystander, nothing else
        Assert.False(deputy.Msgs.TryRead(out _), "a worker published to a subject a message named");
        Assert.False(purge.Msgs.TryRead(out _), "a worker sent a stream purge");
    }

    [Fact]
    public async Task Arguments_NullForNonNullable_Missing_Truncated_Trailing_AreDeadLetteredNeverRun_NullableTakesNull()
    {
        await using var app = await TestApp.StartAsync(server, tasks: b => b.AddTypedTasksIntegrationTestsTasks());
        var names = app.Connection.Names;
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var js = new NatsJSContext(nats);
        var task = NullabilityTasks.TakeNoteTask.Name;
        var cases = new List<(string Key, string Body, string[] Reason)>
        {
            ("null-id", """{"key":"null-id","id":null,"note":"n"}""", [task, "'id'", "null is not allowed"]),
            ("missing-id", """{"key":"missing-id","note":"n"}""", [task, "'id'", "no value for this parameter"]),
            ("null-key", """{"key":null,"id":"x","note":"n"}""", [task, "'key'", "null is not allowed"]),
            ("trailing", """{"key":"trailing","id":"x","note":"n"} garbage""", ["after a single JSON value"]),
            ("trailing-object", """{"key":"trailing-object","id":"x","note":"n"}{}""", ["after a single JSON value"]),
            ("truncated", """{"key":"truncated","id":"x","no""", ["not valid JSON"]),
            ("truncated-value", """{"key":"truncated-value","id":""", ["not valid JSON"]),
        };
        // The reason quotes a parameter name that is not ASCII: the header escapes it, the reader gets it back.
        var measure = Headers(NullabilityTasks.MeasureTask.Name, "nullability-umlaut");
        measure["TT-Case"] = "umlaut";
        await PublishAsync(js, names.TaskSubject("default"), measure, """{"größe":null}""");
        foreach (var (key, body, _) in cases)
        {
            var headers = Headers(task, "nullability-" + key);
            headers["TT-Case"] = key;
            await PublishAsync(js, names.TaskSubject("default"), headers, body);
        }

        // A null for the nullable parameter is an ordinary value: the task runs.
        await PublishAsync(js, names.TaskSubject("default"), Headers(task, "nullability-ok"), """{"key":"ok","id":"x","note":null}""");
        Assert.Equal("x:(no note)", await app.Client.TakeNote().GetHandle("nullability-ok").GetAsync(Timeout, Ct));

        var deadLetters = app.Host.Services.GetRequiredService<IDeadLetters>();
        var dead = await WaitForAsync(async () => await deadLetters.ListAsync("default", Ct).ToListAsync(Ct), letters => letters.Count >= cases.Count + 1);
        await WaitForAsync(() => QueueStateAsync(js, names, "default"), state => state is { Pending: 0, AckPending: 0 });
        Assert.Equal(cases.Count + 1, dead.Count);
        var umlaut = Assert.Single(dead, d => d.TaskId == "nullability-umlaut");
        Assert.Contains("argument 'größe'", umlaut.Reason, StringComparison.Ordinal);
        Assert.Contains("\\u00f6", umlaut.Headers[TaskHeaders.DeadReason], StringComparison.Ordinal);
        Assert.True(umlaut.Headers[TaskHeaders.DeadReason].All(char.IsAscii), umlaut.Headers[TaskHeaders.DeadReason]);
        Assert.Equal(0, app.Probe.Executions("measure:"));
        foreach (var (key, body, reason) in cases)
        {
            Assert.Equal(0, app.Probe.Executions(key));
            var letter = Assert.Single(dead, d => d.Headers.TryGetValue("TT-Case", out var c) && c == key);
            foreach (var part in reason)
            {
                Assert.Contains(part, letter.Reason, StringComparison.Ordinal);
            }

            Assert.Equal(body, System.Text.Encoding.UTF8.GetString(letter.Arguments.Span));
        }

        Assert.Equal(1, app.Probe.Executions("ok"));
    }

    [Fact]
    public async Task DeadLetter_KeepsNonAsciiReasons_AndATruncatedCopyOfOversizedHeaders()
    {
        await using var app = await TestApp.StartAsync(server);
        var names = app.Connection.Names;
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var js = new NatsJSContext(nats);
        // The reason quotes a 5,000-character id cut short with an ellipsis: not ASCII, and kept.
        var unknown = Headers("tests.count", new string('u', 5000));
        await PublishAsync(js, names.TaskSubject("default"), unknown, """{"key":"unicode"}""");
        var huge = Headers("tests.count", "id-huge");
        huge["TT-Padding"] = new string('p', 60_000);
        await PublishAsync(js, names.TaskSubject("default"), huge, """{"key":"huge"}""");

        var deadLetters = app.Host.Services.GetRequiredService<IDeadLetters>();
        var dead = await WaitForAsync(async () => await deadLetters.ListAsync("default", Ct).ToListAsync(Ct), letters => letters.Count >= 2);
        await WaitForAsync(() => QueueStateAsync(js, names, "default"), state => state is { Pending: 0, AckPending: 0 });

        var named = Assert.Single(dead, d => d.Headers.GetValueOrDefault("TT-Id", string.Empty).StartsWith("uuu", StringComparison.Ordinal));
        Assert.Contains("… (5000 characters)", named.Reason, StringComparison.Ordinal);
        var cut = Assert.Single(dead, d => d.TaskId == "id-huge");
        Assert.Contains("MaxHeaderBytes", cut.Reason, StringComparison.Ordinal);
        Assert.Contains("headers (", cut.Headers[TaskHeaders.DeadTruncated], StringComparison.Ordinal);
        Assert.Equal(256, cut.Headers["TT-Padding"].Length);
        Assert.Equal("""{"key":"huge"}""", System.Text.Encoding.UTF8.GetString(cut.Arguments.Span));
        Assert.Equal(0, app.Probe.Executions("huge"));
        Assert.Equal(2, (await deadLetters.ListAsync("default", Ct).ToListAsync(Ct)).Count);
    }

    [Fact]
    public async Task UnreadableHeaderBlocks_AreDeadLetteredWithTheRawHeadersAndTheOriginalBody_NeverRun()
    {
        await using var app = await TestApp.StartAsync(server);
        var names = app.Connection.Names;
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var js = new NatsJSContext(nats);
        // NATS.Net cannot parse these header blocks (a version line other than NATS/1.0; a line without a colon): it hands
        // the worker no headers and no body. The server stores them as they are.
        var cases = new (string Key, string HeaderBlock)[]
        {
            ("bad-version", "BAD/1.0\r\nTT-Protocol: 1\r\nTT-Task: tests.count\r\nTT-Id: raw-bad-version\r\nTT-Case: bad-version\r\n\r\n"),
            ("bad-line", "NATS/1.0\r\nTT-Protocol: 1\r\nTT-Task: tests.count\r\nTT-Id: raw-bad-line\r\nno colon on this line\r\n\r\n"),
            ("big-block", "HTTP/1.1\r\nTT-Padding: " + new string('p', 20_000) + "\r\n\r\n"),
        };
        foreach (var (key, block) in cases)
        {
            await RawPublishAsync(server, names.TaskSubject("default"), block, $$"""{"key":"{{key}}","note":"é"}""");
        }

        var deadLetters = app.Host.Services.GetRequiredService<IDeadLetters>();
        var dead = await WaitForAsync(async () => await deadLetters.ListAsync("default", Ct).ToListAsync(Ct), letters => letters.Count >= cases.Length);
        await WaitForAsync(() => QueueStateAsync(js, names, "default"), state => state is { Pending: 0, AckPending: 0 });
        Assert.Equal(cases.Length, dead.Count);
        foreach (var (key, block) in cases)
        {
            Assert.Equal(0, app.Probe.Executions(key));
            var letter = Assert.Single(dead, d => System.Text.Encoding.UTF8.GetString(d.Arguments.Span).Contains(key, StringComparison.Ordinal));
            Assert.Equal($$"""{"key":"{{key}}","note":"é"}""", System.Text.Encoding.UTF8.GetString(letter.Arguments.Span));
            Assert.Contains("header block cannot be read", letter.Reason, StringComparison.Ordinal);
            var raw = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(letter.Headers[TaskHeaders.DeadRawHeaders]));
            if (key == "big-block")
            {
                // Bounded: the first 16 KiB of the block, and the dead letter says so.
                Assert.Equal(block[..(16 * 1024)], raw);
                Assert.Contains($"raw header block ({block.Length} bytes, first 16384 kept)", letter.Headers[TaskHeaders.DeadTruncated], StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(block, raw);
                Assert.False(letter.Headers.ContainsKey(TaskHeaders.DeadTruncated));
            }
        }

        Assert.Contains("version mismatch", Assert.Single(dead, d => d.Arguments.Span.IndexOf("bad-version"u8) >= 0).Reason, StringComparison.Ordinal);
        // What NATS.Net read before the bad line is kept as headers; the id was valid, so the producer gets a FAILURE record.
        var badLine = Assert.Single(dead, d => d.TaskId == "raw-bad-line");
        Assert.Contains("no colon on this line", badLine.Reason, StringComparison.Ordinal);
        // The worker dead-letters first and stores the record after (TaskWorker.Settle.cs): wait for it.
        var handle = app.Client.GetHandle(HandWrittenTasks.Count, "raw-bad-line");
        await WaitForAsync(async () => await handle.GetStatusAsync(Ct), state => state == TaskState.Failure);
    }

    [Fact]
    public async Task Times_WithoutAnOffset_AreRefused_AnExpiryIsDeadLettered_AnEtaIsNotMoved()
    {
        // Found by the poison test (tests/Fault.Tests/PoisonTests.cs): "2099-01-01T00:00:00" passed as a TT-Expires because
        // the format's K matches no offset, and the time was read in the worker's local zone.
        await using var app = await TestApp.StartAsync(server, options: o => o.Broker.Scheduling = ScheduledDelivery.ScheduleStream);
        var names = app.Connection.Names;
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var js = new NatsJSContext(nats);
        var expires = Headers("tests.count", "no-offset-expires");
        expires[TaskHeaders.Expires] = "2099-01-01T00:00:00";
        await PublishAsync(js, names.TaskSubject("default"), expires, """{"key":"no-offset-expires"}""");
        var eta = Headers("tests.count", "no-offset-eta");
        eta[TaskHeaders.Queue] = "default";
        eta[TaskHeaders.Eta] = "2020-01-01T00:00:00.5";
        await PublishAsync(js, names.ScheduleSubject("default"), eta, """{"key":"no-offset-eta"}""");
        // With an offset both forms still work: this one runs.
        var good = Headers("tests.count", "offset-expires");
        good[TaskHeaders.Expires] = "2099-01-01T00:00:00+02:00";
        await PublishAsync(js, names.TaskSubject("default"), good, """{"key":"offset-expires"}""");

        var deadLetters = app.Host.Services.GetRequiredService<IDeadLetters>();
        var dead = await WaitForAsync(async () => await deadLetters.ListAsync(cancellationToken: Ct).ToListAsync(Ct), letters => letters.Count >= 2);
        await WaitForAsync(() => Task.FromResult(app.Probe.Executions("offset-expires")), runs => runs == 1);
        await WaitForAsync(() => QueueStateAsync(js, names, "default"), state => state is { Pending: 0, AckPending: 0 });

        Assert.Contains(TaskHeaders.Expires, Assert.Single(dead, d => d.TaskId == "no-offset-expires").Reason, StringComparison.Ordinal);
        Assert.Contains(TaskHeaders.Eta, Assert.Single(dead, d => d.TaskId == "no-offset-eta").Reason, StringComparison.Ordinal);
        Assert.Equal(2, dead.Count);
        Assert.Equal(0, app.Probe.Executions("no-offset-expires") + app.Probe.Executions("no-offset-eta"));
    }

    [Fact]
    public async Task OversizedResult_IsStoredAsAFailure_AfterOneRun()
    {
        await using var app = await TestApp.StartAsync(server);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.BigResult, HandWrittenTasks.Value(2 * 1024 * 1024), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));

        Assert.Equal(typeof(TaskResultTooLargeException).FullName, error.RemoteType);
        Assert.Equal(1, app.Probe.Executions(HandWrittenTasks.BigResult.Name));
    }

    [Fact]
    public async Task ScheduledMessages_WithABadQueueOrEta_AreDeadLetteredAndRemoved_WhileGoodOnesMove()
    {
        await using var app = await TestApp.StartAsync(server, options: o => o.Broker.Scheduling = ScheduledDelivery.ScheduleStream);
        var names = app.Connection.Names;
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var js = new NatsJSContext(nats);
        var badQueue = Headers("tests.count", "sched-bad-queue");
        badQueue[TaskHeaders.Queue] = "no such queue!";
        badQueue[TaskHeaders.Eta] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await PublishAsync(js, names.ScheduleSubject("default"), badQueue, """{"key":"sched-bad-queue"}""");
        var badEta = Headers("tests.count", "sched-bad-eta");
        badEta[TaskHeaders.Queue] = "default";
        badEta[TaskHeaders.Eta] = "next tuesday";
        await PublishAsync(js, names.ScheduleSubject("default"), badEta, """{"key":"sched-bad-eta"}""");
        const string unreadable = "BAD/1.0\r\nTT-Protocol: 1\r\nTT-Task: tests.count\r\nTT-Id: sched-unreadable\r\nTT-Queue: default\r\n\r\n";
        await RawPublishAsync(server, names.ScheduleSubject("default"), unreadable, """{"key":"sched-unreadable"}""");

        // A good one sent after them still arrives: the mover was not stopped by the bad ones.
        var good = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(5), new TaskOptions { Countdown = TimeSpan.FromMilliseconds(200) }, Ct);
        Assert.Equal(10, await good.GetAsync(Timeout, Ct));

        var deadLetters = app.Host.Services.GetRequiredService<IDeadLetters>();
        var dead = await WaitForAsync(async () => await deadLetters.ListAsync(cancellationToken: Ct).ToListAsync(Ct), letters => letters.Count >= 3);
        var kept = Assert.Single(dead, d => d.Headers.ContainsKey(TaskHeaders.DeadRawHeaders));
        Assert.Equal(unreadable, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(kept.Headers[TaskHeaders.DeadRawHeaders])));
        Assert.Equal("""{"key":"sched-unreadable"}""", System.Text.Encoding.UTF8.GetString(kept.Arguments.Span));
        Assert.Contains("header block cannot be read", kept.Reason, StringComparison.Ordinal);
        Assert.Contains(dead, d => d.TaskId == "sched-bad-queue" && d.Queue == "_unschedulable" && d.Reason.Contains("queue", StringComparison.Ordinal));
        Assert.Contains(dead, d => d.TaskId == "sched-bad-eta" && d.Queue == "default" && d.Reason.Contains(TaskHeaders.Eta, StringComparison.Ordinal));
        await WaitForAsync(async () => (await js.GetStreamAsync(names.ScheduleStream, cancellationToken: Ct)).Info.State.Messages, count => count == 0);
        Assert.Equal(0, app.Probe.Executions("sched-bad-queue") + app.Probe.Executions("sched-bad-eta") + app.Probe.Executions("sched-unreadable"));

        // Each dead letter under a message id of its own (a mover that takes over stores it once), and a FAILURE record
        // that says why under each usable id; the unreadable one's id is not trusted.
        Assert.All(dead, d => Assert.StartsWith("dead-scheduled:", d.Headers["Nats-Msg-Id"], StringComparison.Ordinal));
        foreach (var (id, reason) in new[] { ("sched-bad-queue", "queue"), ("sched-bad-eta", TaskHeaders.Eta) })
        {
            var record = await app.Client.GetHandle(HandWrittenTasks.Count, id).GetRecordAsync(Ct);
            Assert.Equal(TaskState.Failure, record!.State);
            Assert.Equal("tests.count", record.TaskName);
            Assert.Contains(reason, record.Error!.Message, StringComparison.Ordinal);
        }

        Assert.Null(await app.Client.GetHandle(HandWrittenTasks.Count, "sched-unreadable").GetRecordAsync(Ct));
    }

    [Fact]
    public async Task ResultNotifications_AreWakeUps_AForgedOneIsNotReturned_AndAMalformedOneHarmsNothing()
    {
        // No worker: nothing finishes the task but the forger.
        await using var producer = await StartProducerWokenOnlyByNotificationsAsync();
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        // Under the producer's results subject, with a token that is not the task's (whoever may publish there may guess the shape).
        var subject = producer.Connection.ResultsSubject + "." + new string('0', 32);

        var handle = await producer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await nats.PublishAsync(subject, System.Text.Encoding.UTF8.GetBytes("{not json"), cancellationToken: Ct);
        await nats.PublishAsync(subject, new byte[] { 0xff, 0xfe, 0x00 }, cancellationToken: Ct);
        var forged = ResultRecordSerializer.ToBytes(new TaskResultRecord { Id = handle.Id, TaskName = HandWrittenTasks.Echo.Name, State = TaskState.Success, ResultJson = "666"u8.ToArray() });
        await nats.PublishAsync(subject, forged, cancellationToken: Ct);

        // The forged SUCCESS is not in the store: the wait does not return it.
        await Assert.ThrowsAsync<TimeoutException>(() => handle.GetAsync(TimeSpan.FromSeconds(2), Ct));

        // The listener survived the garbage: a worker's real notification still wakes a wait at once.
        await using var worker = await TestApp.StartAsync(server, prefix: producer.Prefix);
        var real = await producer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(4), cancellationToken: Ct);
        Assert.Equal(8, await real.GetAsync(Timeout, Ct));
        Assert.Equal(2, await handle.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task ResultNotifications_CarryingTheWaitsToken_AreReturned_OthersAreNotTrusted()
    {
        // No worker: the test plays it. The client keeps a random token per task, the last token of the task's TT-Reply; a
        // notification there comes from someone who held the task's message, and the wait returns its record without
        // reading the store.
        await using var producer = await StartProducerWokenOnlyByNotificationsAsync();
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var trusted = await producer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);
        var stream = await producer.Connection.JetStream.GetStreamAsync(producer.Connection.Names.TasksStream, cancellationToken: Ct);
        var reply = ReplyOf(await stream.GetAsync(new NATS.Client.JetStream.Models.StreamMsgGetRequest { Seq = 1 }, Ct));
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(producer.Connection.ResultsSubject) + "\\.[0-9a-f]{32}$", reply);
        var untrusted = await producer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), cancellationToken: Ct);
        Assert.NotEqual(reply, ReplyOf(await stream.GetAsync(new NATS.Client.JetStream.Models.StreamMsgGetRequest { Seq = 2 }, Ct)));

        // Neither record is in the store: only the token can make a wait return one.
        await nats.PublishAsync(reply, Record(trusted.Id, "42"), cancellationToken: Ct);
        Assert.Equal(42, await trusted.GetAsync(Timeout, Ct));
        // Another task's token is not this one's.
        await nats.PublishAsync(reply, Record(untrusted.Id, "666"), cancellationToken: Ct);
        await Assert.ThrowsAsync<TimeoutException>(() => untrusted.GetAsync(TimeSpan.FromSeconds(2), Ct));

        static byte[] Record(string id, string result)
            => ResultRecordSerializer.ToBytes(new TaskResultRecord { Id = id, TaskName = HandWrittenTasks.Echo.Name, State = TaskState.Success, ResultJson = System.Text.Encoding.UTF8.GetBytes(result) });

        static string ReplyOf(NATS.Client.JetStream.Models.StreamMsgGetResponse stored)
            => System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(stored.Message.Hdrs!))
                .Split("\r\n").Single(line => line.StartsWith("TT-Reply:", StringComparison.Ordinal))["TT-Reply:".Length..].Trim();
    }

    /// <summary>A producer without a worker whose waits read the store only after five minutes: within a test, only a
    /// notification (or its absence) ends them.</summary>
    private async Task<TestApp> StartProducerWokenOnlyByNotificationsAsync()
    {
        var producer = await TestApp.StartAsync(server, worker: false);
        producer.Host.Services.GetRequiredService<Backend.NatsResultBackend>().SafetyReadAfter = TimeSpan.FromMinutes(5);
        return producer;
    }

    private static (string Key, NatsHeaders Headers, string Body, string Reason) Case(string key, Action<NatsHeaders> spoil, string reason, string? body = null)
    {
        var headers = Headers("tests.count", "case-" + key);
        headers["TT-Case"] = key;
        spoil(headers);
        return (key, headers, body ?? $$"""{"key":"{{key}}"}""", reason);
    }

    private static NatsHeaders Headers(string task, string id) => new()
    {
        ["TT-Protocol"] = "1",
        ["TT-Task"] = task,
        ["TT-Id"] = id,
    };

    private static async Task PublishAsync(NatsJSContext js, string subject, NatsHeaders headers, string body)
    {
        var ack = await js.PublishAsync(subject, System.Text.Encoding.UTF8.GetBytes(body), headers: headers, cancellationToken: Ct);
        ack.EnsureSuccess();
    }

    /// <summary>Publishes a message with a header block exactly as given, over a plain socket (HPUB), as a foreign producer could.</summary>
    private static async Task RawPublishAsync(NatsServer server, string subject, string headerBlock, string body)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", server.Port, Ct);
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII, leaveOpen: true);
        Assert.StartsWith("INFO ", await reader.ReadLineAsync(Ct), StringComparison.Ordinal);
        var headers = System.Text.Encoding.UTF8.GetBytes(headerBlock);
        var payload = System.Text.Encoding.UTF8.GetBytes(body);
        var command = new MemoryStream();
        command.Write(System.Text.Encoding.ASCII.GetBytes($"CONNECT {{\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}}\r\nHPUB {subject} {headers.Length} {headers.Length + payload.Length}\r\n"));
        command.Write(headers);
        command.Write(payload);
        command.Write("\r\nPING\r\n"u8);
        await stream.WriteAsync(command.ToArray(), Ct);
        // PONG after the HPUB was processed; an -ERR would come first.
        var line = await reader.ReadLineAsync(Ct);
        Assert.Equal("PONG", line);
    }

    private static async Task<(ulong Pending, long AckPending)> QueueStateAsync(NatsJSContext js, NatsNames names, string queue)
    {
        var consumer = await js.GetConsumerAsync(names.TasksStream, names.ConsumerName(queue), Ct);
        return (consumer.Info.NumPending, consumer.Info.NumAckPending);
    }

    /// <summary>Reads until <paramref name="done"/> holds or <see cref="Timeout"/> passes (then fails with the last value).</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, Func<T, string>? describe = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var value = await read();
        while (!done(value))
        {
            Assert.True(clock.Elapsed < Timeout, $"Still not there after {Timeout}: {describe?.Invoke(value) ?? value?.ToString()}");
            await Task.Delay(50, Ct);
            value = await read();
        }

        return value;
    }
}
