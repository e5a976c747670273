using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// docs/protocol.md is the contract for producers in other languages (issue 14). These tests are such a producer: they
/// speak plain NATS (NATS.Net's core, JetStream and KV clients, nothing of TypedTasks), with every subject, header, body
/// and record field written as the page's tables spell them, as string literals. Only the worker under test is
/// TypedTasks (<see cref="TestApp"/> with <see cref="HandWrittenTasks"/>). Each assertion is a sentence of the page: if
/// the page said something the worker does not do, a test here fails.
/// </summary>
public sealed class ProtocolConformanceTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>§6's table: every field a record may carry.</summary>
    private static readonly string[] RecordFields =
        ["v", "id", "task", "state", "result", "error", "attempts", "reruns", "worker", "startedAt", "completedAt", "nextAttemptAt", "progress", "sentAt"];

    // ---- §2, §3 step 7, §6: a valid task ----

    [Fact]
    public async Task ValidTask_RunsEndToEnd_TheRecordHasExactlyTheDocumentedFields_AndTTReplyGetsTheSameBytes()
    {
        await using var app = await TestApp.StartAsync(server);
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        var id = "conf-" + Guid.NewGuid().ToString("N");
        // §2 TT-Reply: tt.results.<32 lowercase hex digits>; subscribe before publishing (§6, "To wait for a result").
        var reply = $"{wire.P}.results.{Guid.NewGuid():N}";
        await using var notifications = await wire.Nats.SubscribeCoreAsync<byte[]>(reply, cancellationToken: Ct);

        var headers = TaskHeaders("tests.echo", id);
        headers["TT-Reply"] = reply;
        var ack = await wire.PublishAsync($"{wire.P}.tasks.default", headers, """{"value":21}""");
        Assert.Equal($"{wire.U}_TASKS", ack.Stream);
        Assert.False(ack.Duplicate);

        // §2 Nats-Msg-Id: a second publish within the duplicate window is stored once; the PubAck (read as the server
        // sends it) says "duplicate":true.
        var again = await wire.Nats.RequestAsync<byte[], byte[]>($"{wire.P}.tasks.default", Encoding.UTF8.GetBytes("""{"value":21}"""), headers, cancellationToken: Ct);
        using (var pubAck = JsonDocument.Parse(again.Data))
        {
            Assert.True(pubAck.RootElement.GetProperty("duplicate").GetBoolean(), Encoding.UTF8.GetString(again.Data!));
            Assert.Equal(ack.Seq, pubAck.RootElement.GetProperty("seq").GetUInt64());
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(Timeout);
        var notified = await notifications.Msgs.ReadAsync(wait.Token);
        var stored = await wire.WaitForRecordAsync(id, r => r.State == "SUCCESS");
        // §3 step 7: the same record bytes as stored.
        Assert.Equal(Encoding.UTF8.GetString(stored.Bytes), Encoding.UTF8.GetString(notified.Data!));

        var record = stored.Json;
        Assert.Equal(["attempts", "completedAt", "id", "result", "startedAt", "state", "task", "v", "worker"], Fields(record));
        Assert.Equal(1, record.GetProperty("v").GetInt32());
        Assert.Equal(id, record.GetProperty("id").GetString());
        Assert.Equal("tests.echo", record.GetProperty("task").GetString());
        Assert.Equal(42, record.GetProperty("result").GetInt32());
        Assert.Equal(1, record.GetProperty("attempts").GetInt32());
        // §6 worker: the worker's id, as its heartbeat key in TT_WORKERS (§7a): <host>-<pid>-<8 hex>.
        Assert.Matches(@"^[A-Za-z0-9_-]+-\d+-[0-9a-f]{8}$", record.GetProperty("worker").GetString());
        var started = Time(record, "startedAt");
        var completed = Time(record, "completedAt");
        Assert.True(started <= completed, $"{started:O} > {completed:O}");
    }

    // ---- §2 TT-Id ----

    [Fact]
    public async Task TaskIds_OutsideTheAlphabet_AreDeadLetteredWithoutARecord_TheBoundariesRun_AndTheClientRefusesThemToo()
    {
        await using var app = await TestApp.StartAsync(server);
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        string[] bad = ["a.b", new string('x', 129), "has space", "a*b", "a>b", "a:b", "a/b", "a=b", "über"];
        for (var i = 0; i < bad.Length; i++)
        {
            var headers = TaskHeaders("tests.count", bad[i]);
            headers["Nats-Msg-Id"] = "bad-id-" + i;
            headers["X-Case"] = "bad-id-" + i;
            await wire.PublishAsync($"{wire.P}.tasks.default", headers, $$"""{"key":"bad-id-{{i}}"}""");
        }

        // 128 characters of the alphabet, and an id given only as Nats-Msg-Id (§2: the worker falls back to it).
        var longest = new string('A', 60) + new string('z', 60) + "0123-_9Z";
        await wire.PublishAsync($"{wire.P}.tasks.default", TaskHeaders("tests.echo", longest), """{"value":1}""");
        var fallback = "only-msg-id-" + Guid.NewGuid().ToString("N")[..8];
        var noTtId = TaskHeaders("tests.echo", fallback);
        noTtId.Remove("TT-Id");
        await wire.PublishAsync($"{wire.P}.tasks.default", noTtId, """{"value":2}""");

        Assert.Equal(2, (await wire.WaitForRecordAsync(longest, r => r.State == "SUCCESS")).Json.GetProperty("result").GetInt32());
        Assert.Equal(4, (await wire.WaitForRecordAsync(fallback, r => r.State == "SUCCESS")).Json.GetProperty("result").GetInt32());
        for (var i = 0; i < bad.Length; i++)
        {
            var letter = await wire.WaitForDeadLetterAsync(h => h.Get("X-Case") == "bad-id-" + i);
            Assert.Contains("is not valid", letter.Reason, StringComparison.Ordinal);
            Assert.Equal(0, app.Probe.Executions("bad-id-" + i));
        }

        // "dead-lettered without a record": keys a KV bucket could hold stay empty.
        Assert.Null(await wire.ReadRecordAsync("a.b"));
        Assert.Null(await wire.ReadRecordAsync(new string('x', 129)));
        Assert.Null(await wire.ReadRecordAsync("a=b"));

        // One rule for client and worker: the .NET client refuses the same ids before sending.
        foreach (var id in bad)
        {
            await Assert.ThrowsAsync<ArgumentException>(async () => await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), new TaskOptions { TaskId = id }, Ct));
        }
    }

    // ---- §3 step 1 and §6 task: TT-Task missing or unknown ----

    [Fact]
    public async Task MissingOrUnknownTaskName_IsDeadLetteredWithAFailureRecord_WhoseTaskIsEmptyOrAsSent()
    {
        await using var app = await TestApp.StartAsync(server);
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        var missing = "no-task-" + Guid.NewGuid().ToString("N")[..8];
        var headers = TaskHeaders("tests.count", missing);
        headers.Remove("TT-Task");
        await wire.PublishAsync($"{wire.P}.tasks.default", headers, """{"key":"no-task"}""");
        var unknown = "unknown-task-" + Guid.NewGuid().ToString("N")[..8];
        await wire.PublishAsync($"{wire.P}.tasks.default", TaskHeaders("tests.no-such-task", unknown), """{"key":"unknown-task"}""");
        // Exact names: another case is another name.
        var cased = "cased-task-" + Guid.NewGuid().ToString("N")[..8];
        await wire.PublishAsync($"{wire.P}.tasks.default", TaskHeaders("Tests.Count", cased), """{"key":"cased-task"}""");

        var noName = (await wire.WaitForRecordAsync(missing, r => r.State == "FAILURE")).Json;
        Assert.Equal("", noName.GetProperty("task").GetString());
        Assert.Equal("TypedTasks.TypedTasksException", noName.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("TT-Task", noName.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        AssertNeverStarted(noName);
        Assert.Contains("TT-Task", (await wire.WaitForDeadLetterAsync(h => h.Get("TT-Id") == missing)).Reason, StringComparison.Ordinal);

        foreach (var (id, name) in new[] { (unknown, "tests.no-such-task"), (cased, "Tests.Count") })
        {
            var record = (await wire.WaitForRecordAsync(id, r => r.State == "FAILURE")).Json;
            Assert.Equal(name, record.GetProperty("task").GetString());
            Assert.Equal("TypedTasks.UnknownTaskException", record.GetProperty("error").GetProperty("type").GetString());
            AssertNeverStarted(record);
            await wire.WaitForDeadLetterAsync(h => h.Get("TT-Id") == id);
        }

        Assert.Equal(0, app.Probe.Executions("no-task") + app.Probe.Executions("unknown-task") + app.Probe.Executions("cased-task"));
    }

    // ---- §3 step 1 and §8: TT-Protocol ----

    [Fact]
    public async Task ProtocolVersion_MissingOrNotANumberOrNewer_IsDeadLetteredNeverRun()
    {
        await using var app = await TestApp.StartAsync(server);
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        var cases = new (string Key, string? Version, string Reason)[]
        {
            ("v-missing", null, "TT-Protocol"),
            ("v-word", "one", "TT-Protocol"),
            ("v-zero", "0", "TT-Protocol"),
            ("v-newer", "2", "upgrade the worker"),
        };
        foreach (var (key, version, _) in cases)
        {
            var headers = TaskHeaders("tests.count", key + "-" + app.Prefix);
            if (version is null)
            {
                headers.Remove("TT-Protocol");
            }
            else
            {
                headers["TT-Protocol"] = version;
            }

            await wire.PublishAsync($"{wire.P}.tasks.default", headers, $$"""{"key":"{{key}}"}""");
        }

        foreach (var (key, _, reason) in cases)
        {
            var letter = await wire.WaitForDeadLetterAsync(h => h.Get("TT-Id") == key + "-" + app.Prefix);
            Assert.Contains(reason, letter.Reason, StringComparison.Ordinal);
            var record = (await wire.WaitForRecordAsync(key + "-" + app.Prefix, r => r.State == "FAILURE")).Json;
            AssertNeverStarted(record);
            Assert.Equal(0, app.Probe.Executions(key));
        }
    }

    // ---- §7: the dead letter ----

    [Fact]
    public async Task DeadLetter_KeepsTheOriginal_AddsTheSection7Headers_AndEscapesTheReason()
    {
        await using var app = await TestApp.StartAsync(server, tasks: b => b.AddHandWrittenTasks().AddTypedTasksIntegrationTestsTasks());
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        // A backslash in the id: the reason quotes it, and §7 writes '\' as \u005c.
        var headers = TaskHeaders("tests.count", @"back\slash");
        headers["Nats-Msg-Id"] = "dead-1-" + app.Prefix;
        headers["X-Case"] = "backslash";
        const string body = """{"key":"dead-1"}""";
        var before = DateTimeOffset.UtcNow;
        var ack = await wire.PublishAsync($"{wire.P}.tasks.default", headers, body);

        var letter = await wire.WaitForDeadLetterAsync(h => h.Get("X-Case") == "backslash");
        Assert.Equal($"{wire.P}.dead.default", letter.Subject);
        Assert.Equal(body, Encoding.UTF8.GetString(letter.Body));
        // Its original headers, but Nats-Msg-Id: dead:<queue>:<the original's sequence> (a repeated settle stores one).
        Assert.Equal("1", letter.Headers.Get("TT-Protocol"));
        Assert.Equal("tests.count", letter.Headers.Get("TT-Task"));
        Assert.Equal(@"back\slash", letter.Headers.Get("TT-Id"));
        Assert.Equal($"dead:default:{ack.Seq}", letter.Headers.Get("Nats-Msg-Id"));
        // Plus TT-Dead-*.
        Assert.Equal($"{wire.P}.tasks.default", letter.Headers.Get("TT-Dead-Subject"));
        Assert.Equal(ack.Seq.ToString(CultureInfo.InvariantCulture), letter.Headers.Get("TT-Dead-Sequence"));
        var at = DateTimeOffset.ParseExact(letter.Headers.Get("TT-Dead-At")!, "O", CultureInfo.InvariantCulture);
        Assert.InRange(at, before.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
        var raw = letter.Headers.Get("TT-Dead-Reason")!;
        Assert.Contains(@"back\u005cslash", raw, StringComparison.Ordinal);
        Assert.True(raw.All(c => c is >= ' ' and < '\x7f'), raw);
        Assert.Contains(@"'back\slash' is not valid", letter.Reason, StringComparison.Ordinal);
        Assert.Null(letter.Headers.Get("TT-Dead-Truncated"));
        Assert.Null(letter.Headers.Get("TT-Dead-Raw-Headers"));

        // A reason quoting a name that is not ASCII (a parameter 'größe' of a task in this assembly): \u00f6 and \u00df.
        var measure = TaskHeaders("TypedTasks.Integration.Tests.NullabilityTasks.Measure", "dead-umlaut-" + app.Prefix);
        await wire.PublishAsync($"{wire.P}.tasks.default", measure, """{"größe":null}""");
        var umlaut = await wire.WaitForDeadLetterAsync(h => h.Get("TT-Id") == "dead-umlaut-" + app.Prefix);
        var umlautRaw = umlaut.Headers.Get("TT-Dead-Reason")!;
        Assert.Contains(@"gr\u00f6\u00dfe", umlautRaw, StringComparison.Ordinal);
        Assert.True(umlautRaw.All(c => c is >= ' ' and < '\x7f'), umlautRaw);
        Assert.Contains("'größe'", umlaut.Reason, StringComparison.Ordinal);
        // The FAILURE record holds the reason as plain JSON text.
        var record = (await wire.WaitForRecordAsync("dead-umlaut-" + app.Prefix, r => r.State == "FAILURE")).Json;
        Assert.Equal(umlaut.Reason, record.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("TypedTasks.TaskArgumentException", record.GetProperty("error").GetProperty("type").GetString());
        AssertNeverStarted(record);
    }

    // ---- §2 TT-Eta / TT-Queue, §3 step 1, §4b, §7 ----

    [Fact]
    public async Task EtaAndQueue_BadOnAQueueSubjectOrInTheScheduleStream_AreDeadLetteredWithAReason_NeverRunAtOnce()
    {
        // §4b on every server: the worker schedules through the schedule stream.
        await using var app = await TestApp.StartAsync(server, options: o => o.Broker.Scheduling = ScheduledDelivery.ScheduleStream);
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        var inAnHour = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var cases = new (string Key, string Subject, string? Eta, string? Queue, string DeadSubject, string Reason)[]
        {
            // On a queue's subject (§3 step 1): TT-Eta not a time with an offset, or still ahead; TT-Queue not a queue.
            ("q-eta-word", $"{wire.P}.tasks.default", "next tuesday", null, $"{wire.P}.dead.default", "TT-Eta"),
            ("q-eta-no-offset", $"{wire.P}.tasks.default", "2026-12-06T10:00:00", null, $"{wire.P}.dead.default", "TT-Eta"),
            ("q-eta-ahead", $"{wire.P}.tasks.default", inAnHour, null, $"{wire.P}.dead.default", "would run at once"),
            ("q-queue-bad", $"{wire.P}.tasks.default", null, "no such queue!", $"{wire.P}.dead.default", "TT-Queue"),
            // In the schedule stream (§4b, §7): the mover dead-letters and removes them.
            ("s-eta-word", $"{wire.P}.scheduled.default", "next tuesday", "default", $"{wire.P}.dead.default", "TT-Eta"),
            ("s-eta-no-offset", $"{wire.P}.scheduled.default", "2026-12-06T10:00:00", "default", $"{wire.P}.dead.default", "TT-Eta"),
            ("s-eta-missing", $"{wire.P}.scheduled.default", null, "default", $"{wire.P}.dead.default", "TT-Eta"),
            ("s-queue-bad", $"{wire.P}.scheduled.default", inAnHour, "no such queue!", $"{wire.P}.dead._unschedulable", "queue"),
        };
        foreach (var (key, subject, eta, queue, _, _) in cases)
        {
            var headers = TaskHeaders("tests.count", key + "-" + app.Prefix);
            if (eta is not null)
            {
                headers["TT-Eta"] = eta;
            }

            if (queue is not null)
            {
                headers["TT-Queue"] = queue;
            }

            await wire.PublishAsync(subject, headers, $$"""{"key":"{{key}}"}""");
        }

        // A past TT-Eta on a queue's subject is no reason to wait: it runs.
        var past = TaskHeaders("tests.echo", "q-eta-past-" + app.Prefix);
        past["TT-Eta"] = "2020-01-01T00:00:00+02:00";
        await wire.PublishAsync($"{wire.P}.tasks.default", past, """{"value":3}""");
        Assert.Equal(6, (await wire.WaitForRecordAsync("q-eta-past-" + app.Prefix, r => r.State == "SUCCESS")).Json.GetProperty("result").GetInt32());

        foreach (var (key, subject, _, _, deadSubject, reason) in cases)
        {
            var letter = await wire.WaitForDeadLetterAsync(h => h.Get("TT-Id") == key + "-" + app.Prefix);
            Assert.Equal(deadSubject, letter.Subject);
            Assert.Equal(subject, letter.Headers.Get("TT-Dead-Subject"));
            Assert.Contains(reason, letter.Reason, StringComparison.Ordinal);
            Assert.Equal(0, app.Probe.Executions(key));
        }

        // Removed from the schedule stream: nothing waits there (the mover deletes each just after its dead letter).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long left;
        while ((left = (long)(await wire.Js.GetStreamAsync($"{wire.U}_SCHEDULED", cancellationToken: Ct)).Info.State.Messages) > 0)
        {
            Assert.True(clock.Elapsed < Timeout, $"{left} messages still in {wire.U}_SCHEDULED after {Timeout}");
            await Task.Delay(50, Ct);
        }
    }

    // ---- §2 TT-Eta, §4: an offset names an instant ----

    [Fact]
    public async Task Eta_WithAUtcOffset_IsReadAsThatInstant_NotShifted()
    {
        await using var app = await TestApp.StartAsync(server);
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        var id = "eta-offset-" + app.Prefix;
        // Whole seconds at +02:00, e.g. 2026-12-06T10:00:00+02:00: read as UTC wall time it would be 2 h late, with the
        // offset's sign flipped 4 h early (and run at once).
        var due = DateTimeOffset.UtcNow.AddSeconds(3);
        due = new DateTimeOffset(due.Ticks - (due.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(1);
        var eta = due.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        Assert.EndsWith("+02:00", eta, StringComparison.Ordinal);
        var headers = TaskHeaders("tests.echo", id);
        headers["TT-Eta"] = eta;
        string subject;
        // §4: "if the stream TT_DELAYED exists, use 4a; else 4b".
        if (await wire.StreamExistsAsync($"{wire.U}_DELAYED"))
        {
            subject = $"{wire.P}.delayed.default.{id}";
            headers["Nats-Schedule"] = "@at " + due.AddMilliseconds(-250).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            headers["Nats-Schedule-Target"] = $"{wire.P}.delayed.default";
        }
        else
        {
            subject = $"{wire.P}.scheduled.default";
            headers["TT-Queue"] = "default";
        }

        await wire.PublishAsync(subject, headers, """{"value":5}""");

        var record = (await wire.WaitForRecordAsync(id, r => r.State == "SUCCESS")).Json;
        Assert.Equal(10, record.GetProperty("result").GetInt32());
        var started = Time(record, "startedAt");
        Assert.True(started >= due, $"ran at {started:O}, before its TT-Eta {eta} ({due:O})");
    }

    // ---- §5: revocation ----

    [Fact]
    public async Task Revocation_AnyValueRevokes_ADeleteTakesItBack_TerminateCancelsARun()
    {
        await using var app = await TestApp.StartAsync(server);
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        var revoked = await wire.Kv.GetStoreAsync($"{wire.U}_REVOKED", Ct);
        var documented = "rev-doc-" + app.Prefix;
        var garbage = "rev-garbage-" + app.Prefix;
        var taken = "rev-taken-back-" + app.Prefix;
        var running = "rev-running-" + app.Prefix;

        // A task that runs until it is terminated.
        await wire.PublishAsync($"{wire.P}.tasks.default", TaskHeaders("tests.block", running), $$"""{"key":"{{running}}"}""");
        await app.Probe.StartedSignal(running).Task.WaitAsync(Timeout, Ct);

        // Revocations of tasks not sent yet: the documented value, a value that is not JSON, and one deleted again.
        await revoked.PutAsync(documented, Encoding.UTF8.GetBytes($$"""{"terminate":false,"at":"{{DateTimeOffset.UtcNow:O}}"}"""), cancellationToken: Ct);
        await revoked.PutAsync(garbage, Encoding.UTF8.GetBytes("please do not"), cancellationToken: Ct);
        await revoked.PutAsync(taken, Encoding.UTF8.GetBytes("""{"terminate":false,"at":"2026-11-25T09:00:00Z"}"""), cancellationToken: Ct);
        await revoked.DeleteAsync(taken, cancellationToken: Ct);
        // Last: terminate the running task. Its REVOKED record proves the workers' watch has read every put above
        // (a KV watch delivers in order).
        await revoked.PutAsync(running, Encoding.UTF8.GetBytes("""{"terminate":true,"at":"2026-11-25T09:00:00+01:00"}"""), cancellationToken: Ct);
        var terminated = (await wire.WaitForRecordAsync(running, r => r.State == "REVOKED")).Json;
        Assert.Equal("TypedTasks.TaskRevokedException", terminated.GetProperty("error").GetProperty("type").GetString());
        Time(terminated, "startedAt"); // it did start
        Assert.Equal(0, app.Probe.Executions(running));

        foreach (var id in new[] { documented, garbage, taken })
        {
            await wire.PublishAsync($"{wire.P}.tasks.default", TaskHeaders("tests.echo", id), """{"value":7}""");
        }

        Assert.Equal(14, (await wire.WaitForRecordAsync(taken, r => r.State == "SUCCESS")).Json.GetProperty("result").GetInt32());
        foreach (var id in new[] { documented, garbage })
        {
            var record = (await wire.WaitForRecordAsync(id, r => r.State is "REVOKED" or "SUCCESS")).Json;
            Assert.Equal("REVOKED", record.GetProperty("state").GetString());
            Assert.Equal("TypedTasks.TaskRevokedException", record.GetProperty("error").GetProperty("type").GetString());
            Assert.False(record.TryGetProperty("result", out _));
            AssertNeverStarted(record);
        }
    }

    // ---- §2 TT-Expires, §3 step 2, §6 ----

    [Fact]
    public async Task Expired_IsRevokedWithoutRunning_AndItsRecordHasNoStartedAt()
    {
        await using var app = await TestApp.StartAsync(server);
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        var expired = "expired-" + app.Prefix;
        var fresh = "fresh-" + app.Prefix;
        var headers = TaskHeaders("tests.count", expired);
        // An hour ago, written at +02:00.
        headers["TT-Expires"] = DateTimeOffset.UtcNow.AddHours(-1).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        await wire.PublishAsync($"{wire.P}.tasks.default", headers, """{"key":"expired"}""");
        var later = TaskHeaders("tests.echo", fresh);
        later["TT-Expires"] = DateTimeOffset.UtcNow.AddHours(1).ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        await wire.PublishAsync($"{wire.P}.tasks.default", later, """{"value":4}""");

        Assert.Equal(8, (await wire.WaitForRecordAsync(fresh, r => r.State == "SUCCESS")).Json.GetProperty("result").GetInt32());
        var record = (await wire.WaitForRecordAsync(expired, r => r.State == "REVOKED")).Json;
        Assert.Contains("expired", record.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, record.GetProperty("attempts").GetInt32());
        AssertNeverStarted(record);
        Assert.Equal(0, app.Probe.Executions("expired"));
    }

    // ---- §2 TT-Record-Revision, §6 PENDING, attempts and sentAt ----

    [Fact]
    public async Task PendingRecords_AProducersIsReplacedByOneCompareAndSet_AHandBackWritesOne()
    {
        await using var app = await TestApp.StartAsync(
            server,
            options: o => o.ResultBackend.RecordPending = true,
            workerOptions: o => o.ShutdownGracePeriod = TimeSpan.FromMilliseconds(200));
        await using var wire = await Wire.OpenAsync(server, app.Prefix);
        var results = await wire.Kv.GetStoreAsync($"{wire.U}_RESULTS", Ct);

        // A foreign producer writes PENDING as §6 describes it (attempts 0, sentAt) as a new key, and sends its revision.
        var id = "pending-" + app.Prefix;
        var revision = await results.CreateAsync(id, Encoding.UTF8.GetBytes($$"""{"v":1,"id":"{{id}}","task":"tests.echo","state":"PENDING","attempts":0,"sentAt":"{{DateTimeOffset.UtcNow:O}}"}"""), cancellationToken: Ct);
        var headers = TaskHeaders("tests.echo", id);
        headers["TT-Record-Revision"] = revision.ToString(CultureInfo.InvariantCulture);
        await wire.PublishAsync($"{wire.P}.tasks.default", headers, """{"value":8}""");
        var done = await wire.WaitForRecordAsync(id, r => r.State == "SUCCESS");
        Assert.Equal(16, done.Json.GetProperty("result").GetInt32());
        Assert.Equal(revision + 1, done.Revision); // replaced in one write
        Assert.False(done.Json.TryGetProperty("sentAt", out _));

        // The .NET producer with RecordPending writes the same shape, and sends TT-Record-Revision (to a queue nobody
        // serves, so the message can be read back as stored).
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), new TaskOptions { Queue = "idle" }, Ct);
        var pending = await wire.ReadRecordAsync(handle.Id);
        Assert.NotNull(pending);
        Assert.Equal(["attempts", "id", "sentAt", "state", "task", "v"], Fields(pending.Value.Json));
        Assert.Equal("PENDING", pending.Value.State);
        Assert.Equal(0, pending.Value.Json.GetProperty("attempts").GetInt32());
        Time(pending.Value.Json, "sentAt");
        var stored = await (await wire.Js.GetStreamAsync($"{wire.U}_TASKS", cancellationToken: Ct)).GetAsync(new StreamMsgGetRequest { LastBySubj = $"{wire.P}.tasks.idle" }, Ct);
        var block = Encoding.ASCII.GetString(Convert.FromBase64String(stored.Message.Hdrs!));
        Assert.Contains($"TT-Record-Revision: {pending.Value.Revision}\r\n", block, StringComparison.Ordinal);

        // A graceful hand-back on shutdown (§3 step 6) stores PENDING with the attempt and the worker.
        var blocked = "handed-back-" + app.Prefix;
        await wire.PublishAsync($"{wire.P}.tasks.default", TaskHeaders("tests.block", blocked), $$"""{"key":"{{blocked}}"}""");
        await app.Probe.StartedSignal(blocked).Task.WaitAsync(Timeout, Ct);
        await app.Host.StopAsync(Ct);
        var handedBack = await wire.WaitForRecordAsync(blocked, r => r.State == "PENDING");
        Assert.Equal(["attempts", "id", "state", "task", "v", "worker"], Fields(handedBack.Json));
        Assert.Equal(1, handedBack.Json.GetProperty("attempts").GetInt32());
        Assert.Equal("tests.block", handedBack.Json.GetProperty("task").GetString());
    }

    // ---- helpers: the protocol as plain NATS ----

    /// <summary>§2's required headers, as the table spells them.</summary>
    private static NatsHeaders TaskHeaders(string task, string id) => new()
    {
        ["TT-Protocol"] = "1",
        ["TT-Task"] = task,
        ["TT-Id"] = id,
        ["Nats-Msg-Id"] = id,
    };

    private static string[] Fields(JsonElement record)
    {
        var names = record.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.All(names, name => Assert.Contains(name, RecordFields));
        return names;
    }

    /// <summary>§6 startedAt, completedAt: ISO 8601 with an offset.</summary>
    private static DateTimeOffset Time(JsonElement record, string field)
    {
        var text = record.GetProperty(field).GetString()!;
        Assert.Matches(@"(Z|[+-]\d\d:\d\d)$", text);
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>§6: a task that never started has no startedAt (revoked or expired before it, refused by the intake).</summary>
    private static void AssertNeverStarted(JsonElement record)
    {
        Assert.False(record.TryGetProperty("startedAt", out var started), $"startedAt {started} on a task that never started");
        Time(record, "completedAt");
    }

    private readonly record struct Record(JsonElement Json, byte[] Bytes, ulong Revision)
    {
        public string? State => Json.GetProperty("state").GetString();
    }

    private sealed record DeadLetter(string Subject, NatsHeaders Headers, byte[] Body)
    {
        /// <summary>TT-Dead-Reason decoded as §7 says: \uXXXX back to the character.</summary>
        public string Reason => Regex.Replace(
            Headers.Get("TT-Dead-Reason") ?? "",
            @"\\u([0-9a-fA-F]{4})",
            m => ((char)int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString());
    }

    /// <summary>A producer's plain NATS connection and the names of §1 for one prefix.</summary>
    private sealed class Wire : IAsyncDisposable
    {
        private Wire(NatsConnection nats, string prefix)
        {
            Nats = nats;
            Js = new NatsJSContext(nats);
            Kv = new NatsKVContext(Js);
            P = prefix.ToLowerInvariant();
            U = prefix.ToUpperInvariant();
        }

        public NatsConnection Nats { get; }

        public NatsJSContext Js { get; }

        public NatsKVContext Kv { get; }

        /// <summary>The prefix as subjects use it.</summary>
        public string P { get; }

        /// <summary>The prefix as stream and bucket names use it.</summary>
        public string U { get; }

        public static async Task<Wire> OpenAsync(NatsServer server, string prefix)
        {
            var nats = new NatsConnection(new NatsOpts { Url = server.Url, Name = "conformance-producer" });
            await nats.ConnectAsync();
            return new Wire(nats, prefix);
        }

        public async Task<PubAckResponse> PublishAsync(string subject, NatsHeaders headers, string body)
        {
            var ack = await Js.PublishAsync(subject, Encoding.UTF8.GetBytes(body), headers: headers, cancellationToken: Ct);
            ack.EnsureSuccess();
            return ack;
        }

        public async Task<bool> StreamExistsAsync(string stream)
        {
            try
            {
                await Js.GetStreamAsync(stream, cancellationToken: Ct);
                return true;
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                return false;
            }
        }

        public async Task<Record?> ReadRecordAsync(string key)
        {
            var store = await Kv.GetStoreAsync($"{U}_RESULTS", Ct);
            try
            {
                var entry = await store.GetEntryAsync<byte[]>(key, cancellationToken: Ct);
                return entry.Value is { Length: > 0 } value ? new Record(JsonDocument.Parse(value).RootElement.Clone(), value, entry.Revision) : null;
            }
            catch (NatsKVKeyNotFoundException)
            {
                return null;
            }
            catch (NatsKVKeyDeletedException)
            {
                return null;
            }
        }

        /// <summary>Watches the key in TT_RESULTS until its record satisfies <paramref name="until"/>.</summary>
        public async Task<Record> WaitForRecordAsync(string key, Func<Record, bool> until)
        {
            var store = await Kv.GetStoreAsync($"{U}_RESULTS", Ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(Timeout);
            var seen = new List<string>();
            try
            {
                await foreach (var entry in store.WatchAsync<byte[]>(key, cancellationToken: timeout.Token))
                {
                    if (entry.Operation != NatsKVOperation.Put || entry.Value is not { Length: > 0 } value)
                    {
                        continue;
                    }

                    var record = new Record(JsonDocument.Parse(value).RootElement.Clone(), value, entry.Revision);
                    seen.Add(Encoding.UTF8.GetString(value));
                    if (until(record))
                    {
                        return record;
                    }
                }
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
            }

            throw new TimeoutException($"No such record under '{key}' within {Timeout}; seen: {string.Join(" | ", seen)}");
        }

        /// <summary>Reads TT_DEAD from its start until a dead letter matches.</summary>
        public async Task<DeadLetter> WaitForDeadLetterAsync(Func<NatsHeaders, bool> match)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(Timeout);
            var seen = new List<string>();
            try
            {
                var consumer = await Js.CreateOrderedConsumerAsync($"{U}_DEAD", cancellationToken: timeout.Token);
                await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: timeout.Token))
                {
                    var headers = message.Headers ?? new NatsHeaders();
                    seen.Add(headers.Get("TT-Dead-Reason") ?? "(no reason)");
                    if (match(headers))
                    {
                        return new DeadLetter(message.Subject, headers, message.Data ?? []);
                    }
                }
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
            }

            throw new TimeoutException($"No such dead letter in {U}_DEAD within {Timeout}; seen: {string.Join(" | ", seen)}");
        }

        public async ValueTask DisposeAsync() => await Nats.DisposeAsync();
    }
}

internal static class ConformanceHeaderExtensions
{
    public static string? Get(this NatsHeaders headers, string name) => headers.TryGetValue(name, out var value) ? value.ToString() : null;
}
