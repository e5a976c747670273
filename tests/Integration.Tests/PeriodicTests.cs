using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using NATS.Client.Core;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.Protocol;
using TypedTasks.Worker;

namespace TypedTasks.Integration.Tests;

/// <summary>Every run of a periodic test task, by task id, in order; one ledger per test, shared by its hosts.</summary>
public sealed class PeriodicLedger
{
    private readonly ConcurrentDictionary<string, int> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _tags = new(StringComparer.Ordinal);
    private readonly Channel<string> _ran = Channel.CreateUnbounded<string>();

    public void Ran(string taskId, string tag)
    {
        _tags[taskId] = tag;
        _runs.AddOrUpdate(taskId, 1, (_, n) => n + 1);
        _ran.Writer.TryWrite(taskId);
    }

    public int Runs(string taskId) => _runs.TryGetValue(taskId, out var n) ? n : 0;

    /// <summary>The tag argument the task ran with, or null when it did not run.</summary>
    public string? Tag(string taskId) => _tags.TryGetValue(taskId, out var tag) ? tag : null;

    public IReadOnlyDictionary<string, int> All => _runs;

    /// <summary>Waits for the next run, or fails after <paramref name="timeout"/>.</summary>
    public async Task<string> NextAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            return await _ran.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No periodic run within {timeout}; runs so far: {string.Join(", ", _runs.Select(r => $"{r.Key}×{r.Value}"))}");
        }
    }
}

/// <summary>The task the periodic tests schedule (registered with AddPeriodic only: no [Periodic] here, so the other
/// tests' workers, which register every generated task of this assembly, schedule nothing).</summary>
public static partial class PeriodicTestTasks
{
    [Task(Queue = "periodic")]
    public static void Tick(string tag, TaskContext context, [FromServices] PeriodicLedger ledger) => ledger.Ran(context.Id, tag);

    [Task(Queue = "periodic-unserved", Expires = "00:10:00")]
    public static void Expiring(string tag)
    {
    }
}

/// <summary>
/// Periodic schedules on a real nats-server: several schedulers on one prefix send each occurrence once (issue 12), and a
/// scheduler that starts after an outage catches up as its policy says.
/// </summary>
public sealed partial class PeriodicTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeSchedulers_OneSecondSchedule_EachOccurrenceRunsExactlyOnce()
    {
        const int Occurrences = 30;
        const string Schedule = "tick-three";
        var ledger = new PeriodicLedger();
        var prefix = TestApp.NewPrefix();
        var started = DateTimeOffset.UtcNow;

        // Three worker hosts, each with the scheduler, on one prefix: three copies of every occurrence are published.
        var apps = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StartAsync(prefix, ledger, b => b.AddPeriodic(PeriodicTestTasks.TickTask.Call("three"), TimeSpan.FromSeconds(1), name: Schedule))));
        try
        {
            // Task id → occurrence, for every second the test can span.
            var occurrenceOf = Enumerable.Range(-5, 600)
                .Select(s => new DateTimeOffset(started.UtcTicks - (started.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(s))
                .ToDictionary(t => ScheduleRecord.TaskId(ScheduleRecord.MessageId(Schedule, t)), t => t);

            // Wait, run by run, until the first Occurrences consecutive seconds from the first run have all run.
            DateTimeOffset? first = null;
            while (first is null || Enumerable.Range(0, Occurrences).Any(i => ledger.Runs(IdAt(first.Value.AddSeconds(i))) == 0))
            {
                var id = await ledger.NextAsync(Timeout, Ct);
                Assert.True(occurrenceOf.TryGetValue(id, out var occurrence), $"task id {id} is not the id of an occurrence of {Schedule}");
                first = first is null || occurrence < first ? occurrence : first;
            }

            var schedulers = apps.Select(a => a.Host.Services.GetServices<IHostedService>().OfType<PeriodicScheduler>().Single()).ToList();
            await DisposeAllAsync(apps);
            apps = [];

            // Exactly once per occurrence: the first Occurrences consecutive ones, and every other one that ran.
            for (var i = 0; i < Occurrences; i++)
            {
                Assert.Equal(1, ledger.Runs(IdAt(first!.Value.AddSeconds(i))));
            }

            var twice = ledger.All.Where(r => r.Value != 1).Select(r => $"{occurrenceOf[r.Key]:O}×{r.Value}").ToList();
            Assert.True(twice.Count == 0, "occurrences run more than once: " + string.Join(", ", twice));

            // Every scheduler sent copies, and the broker merged them: what they sent beyond one copy per occurrence was
            // reported as a duplicate (or, if a copy came late, stopped by the task's record: still one run above).
            Assert.All(schedulers, s => Assert.True(s.Sent >= Occurrences / 2, $"a scheduler sent only {s.Sent} occurrences"));
            Assert.True(schedulers.Sum(s => s.Duplicates) >= Occurrences, $"duplicates reported: {schedulers.Sum(s => s.Duplicates)}");
        }
        finally
        {
            await DisposeAllAsync(apps);
        }

        string IdAt(DateTimeOffset occurrence) => ScheduleRecord.TaskId(ScheduleRecord.MessageId(Schedule, occurrence));
    }

    /// <summary>
    /// Time is a <see cref="FakeTimeProvider"/> in the schedulers, so the outage lasts ten minutes without waiting for
    /// them; the broker, the bucket and the workers are real.
    /// </summary>
    [Theory]
    [InlineData(PeriodicCatchUp.Latest, 1)]
    [InlineData(PeriodicCatchUp.All, 9)]
    [InlineData(PeriodicCatchUp.None, 0)]
    public async Task SchedulerStartingAfterAnOutage_CatchesUpAsItsPolicySays(PeriodicCatchUp catchUp, int expectedCatchUpRuns)
    {
        var schedule = "minutely-" + catchUp.ToString().ToLowerInvariant();
        var ledger = new PeriodicLedger();
        var prefix = TestApp.NewPrefix();
        var minute = TimeSpan.FromMinutes(1);
        var t0 = new DateTimeOffset(2026, 12, 6, 12, 0, 30, TimeSpan.Zero);
        Action<TypedTasksBuilder> tasks = b => b.AddPeriodic(PeriodicTestTasks.TickTask.Call(schedule), minute, name: schedule, catchUp: catchUp);

        // First run: registered at 12:00:30, fires 12:01:00, then everything stops.
        var time = new FakeTimeProvider(t0);
        // One slot: tasks run in the order they were sent, so once the next regular occurrence has run, every catch-up
        // occurrence (sent before it) has run too, and an unexpected one would have shown.
        Action<WorkerOptions> oneSlot = o => o.Concurrency = 1;
        var app = await StartAsync(prefix, ledger, tasks, time, oneSlot);
        Assert.Equal(t0.AddSeconds(30), await SchedulerOf(app).Waiting.WaitAsync(Timeout, Ct));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(Id(schedule, t0.AddSeconds(30)), await ledger.NextAsync(Timeout, Ct));
        await app.DisposeAsync();

        // Ten minutes later (12:10:30) a worker starts: 12:02 … 12:10 were missed.
        var later = new FakeTimeProvider(t0.AddMinutes(10));
        await using var again = await StartAsync(prefix, ledger, tasks, later, oneSlot);
        Assert.Equal(t0.AddMinutes(10).AddSeconds(30), await SchedulerOf(again).Waiting.WaitAsync(Timeout, Ct));
        var missed = Enumerable.Range(2, 9).Select(m => t0.AddSeconds(30).AddMinutes(m - 1)).ToList();
        var expected = catchUp switch
        {
            PeriodicCatchUp.All => missed,
            PeriodicCatchUp.Latest => [missed[^1]],
            _ => [],
        };
        Assert.Equal(expectedCatchUpRuns, expected.Count);

        // The next regular occurrence (12:11) is sent after what was caught up and, with one slot, runs after it.
        later.Advance(TimeSpan.FromSeconds(30));
        var next = Id(schedule, t0.AddMinutes(10).AddSeconds(30));
        while (ledger.Runs(next) == 0)
        {
            await ledger.NextAsync(Timeout, Ct);
        }

        var ran = expected.Select(t => Id(schedule, t)).Append(next).Append(Id(schedule, t0.AddSeconds(30))).ToHashSet();
        Assert.Equal(ran.Order(), ledger.All.Keys.Order());
        Assert.All(ledger.All, r => Assert.Equal(1, r.Value));

        // The bucket records the last occurrence sent, for the next start-up and for tt schedules (written after the
        // publish, so it may follow the run: watch the key until it says 12:11).
        var record = await WaitForRecordAsync(again, schedule, r => r.LastOccurrence == t0.AddMinutes(10).AddSeconds(30));
        Assert.NotNull(record);
        Assert.Equal(t0.AddMinutes(10).AddSeconds(30), record.LastOccurrence);
        Assert.Equal("00:01:00", record.Every);
        Assert.Equal(PeriodicTestTasks.TickTask.Name, record.Task);
    }

    [Fact]
    public async Task TtSchedules_ListsEachScheduleWithItsLastAndNextOccurrence()
    {
        var ledger = new PeriodicLedger();
        var prefix = TestApp.NewPrefix();
        var none = await TtAsync(prefix, "schedules");
        Assert.True(none.Code == 0, "tt schedules failed: " + none.Error);
        Assert.Contains("no schedules", none.Output, StringComparison.Ordinal);

        var t0 = new DateTimeOffset(2026, 12, 6, 12, 0, 30, TimeSpan.Zero);
        var time = new FakeTimeProvider(t0);
        await using var app = await StartAsync(prefix, ledger, b => b
            .AddPeriodic(PeriodicTestTasks.TickTask.Call("cli"), "0 0 3 * * *", name: "nightly-cli", timeZone: "Europe/Paris")
            .AddPeriodic(PeriodicTestTasks.TickTask.Call("cli"), TimeSpan.FromMinutes(1), name: "minutely-cli"), time);
        Assert.Equal(t0.AddSeconds(30), await SchedulerOf(app).Waiting.WaitAsync(Timeout, Ct));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(Id("minutely-cli", t0.AddSeconds(30)), await ledger.NextAsync(Timeout, Ct));

        // The record is written after the publish, so it may follow the run: wait for it, then list.
        await WaitForRecordAsync(app, "minutely-cli", r => r.LastOccurrence == t0.AddSeconds(30));
        var listed = await TtAsync(prefix, "schedules");

        Assert.True(listed.Code == 0, "tt schedules failed: " + listed.Error);
        var lines = listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("SCHEDULE", lines[0], StringComparison.Ordinal);
        var minutely = Assert.Single(lines, l => l.StartsWith("minutely-cli", StringComparison.Ordinal));
        Assert.Contains("every 00:01:00", minutely, StringComparison.Ordinal);
        Assert.Contains("2026-12-06T12:01:00Z", minutely, StringComparison.Ordinal);
        var nightly = Assert.Single(lines, l => l.StartsWith("nightly-cli", StringComparison.Ordinal));
        Assert.Contains("0 0 3 * * * (Europe/Paris)", nightly, StringComparison.Ordinal);
        Assert.Contains("never", nightly, StringComparison.Ordinal);
        Assert.Contains(PeriodicTestTasks.TickTask.Name, nightly, StringComparison.Ordinal);

        var json = await TtAsync(prefix, "--json", "schedules");
        Assert.Contains("\"lastOccurrence\"", json.Output, StringComparison.Ordinal);
        Assert.Contains("\"next\"", json.Output, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output, string Error)> TtAsync(string prefix, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var json = args.Length > 0 && args[0] == "--json";
        string[] line = json ? ["--json", "--url", server.Url, "--prefix", prefix, .. args[1..]] : ["--url", server.Url, "--prefix", prefix, .. args];
        var code = await Cli.TtCommand.RunAsync(line, output, error, Ct).WaitAsync(Timeout, Ct);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The occurrence message as the protocol says (docs/protocol.md §11), read back from the task stream; its
    /// queue has no consumer here, so it stays there. One sent event, from the worker whose copy was stored.</summary>
    [Fact]
    public async Task OccurrenceMessage_CarriesItsIds_ExpiresFromTheOccurrence_AndOneSentEvent()
    {
        var t0 = new DateTimeOffset(2026, 12, 6, 12, 0, 30, TimeSpan.Zero);
        var time = new FakeTimeProvider(t0);
        var prefix = TestApp.NewPrefix();
        await using var app = await StartAsync(
            prefix,
            new PeriodicLedger(),
            b => b.AddPeriodic(PeriodicTestTasks.ExpiringTask.Call("x"), TimeSpan.FromMinutes(1), name: "expiring"),
            time,
            o => o.Queues = ["periodic"],
            o => o.SendTaskEvents = true);
        var sentEvents = new List<string>();
        await using var events = await app.Connection.Nats.SubscribeCoreAsync<string>(app.Connection.Names.TaskEventsPrefix + "sent", cancellationToken: Ct);
        await app.Connection.Nats.PingAsync(Ct);

        Assert.Equal(t0.AddSeconds(30), await SchedulerOf(app).Waiting.WaitAsync(Timeout, Ct));
        time.Advance(TimeSpan.FromSeconds(30));
        using (var first = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            first.CancelAfter(Timeout);
            sentEvents.Add((await events.Msgs.ReadAsync(first.Token)).Data!);
        }

        var stream = await app.Connection.JetStream.GetStreamAsync(app.Connection.Names.TasksStream, cancellationToken: Ct);
        var stored = await stream.GetAsync(new NATS.Client.JetStream.Models.StreamMsgGetRequest { LastBySubj = app.Connection.Names.TaskSubject("periodic-unserved") }, Ct);
        var headers = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(stored.Message.Hdrs!));
        var messageId = "expiring:2026-12-06T12:01:00Z";
        var taskId = ScheduleRecord.TaskId(messageId);
        Assert.Contains("Nats-Msg-Id: " + messageId + "\r\n", headers, StringComparison.Ordinal);
        Assert.Contains("TT-Id: " + taskId + "\r\n", headers, StringComparison.Ordinal);
        Assert.Contains("TT-Periodic: " + messageId + "\r\n", headers, StringComparison.Ordinal);
        Assert.Contains("TT-Task: " + PeriodicTestTasks.ExpiringTask.Name + "\r\n", headers, StringComparison.Ordinal);
        Assert.Contains("TT-Expires: 2026-12-06T12:11:00.0000000+00:00\r\n", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("TT-Reply", headers, StringComparison.Ordinal);
        Assert.Equal("""{"tag":"x"}""", System.Text.Encoding.UTF8.GetString(stored.Message.Data.Span));
        Assert.Contains(taskId, sentEvents[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunPeriodicSchedulesOff_SendsNothing()
    {
        var ledger = new PeriodicLedger();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(TestApp.NewPrefix(), ledger, b => b.AddPeriodic(PeriodicTestTasks.TickTask.Call("off"), TimeSpan.FromSeconds(1), name: "off"), time, o => o.RunPeriodicSchedules = false);
        await SchedulerOf(app).Started.WaitAsync(Timeout, Ct);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, SchedulerOf(app).Sent);
        Assert.False(await app.Connection.StreamExistsAsync("KV_" + app.Connection.Names.SchedulesBucket, Ct));
    }

    /// <summary>Watches a schedule's key until its record satisfies <paramref name="done"/>; fails after the timeout.</summary>
    private static async Task<ScheduleRecord> WaitForRecordAsync(TestApp app, string schedule, Func<ScheduleRecord, bool> done)
    {
        var store = await app.Connection.GetSchedulesStoreAsync(Ct);
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        watch.CancelAfter(Timeout);
        ScheduleRecord? last = null;
        try
        {
            await foreach (var entry in store.WatchAsync<ReadOnlyMemory<byte>>(schedule, serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: watch.Token))
            {
                last = ScheduleRecord.Read(entry.Value.Span);
                if (last is not null && done(last))
                {
                    return last;
                }
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"The record of {schedule} did not get there within {Timeout}; last seen: {last}");
    }

    private static string Id(string schedule, DateTimeOffset occurrence) => ScheduleRecord.TaskId(ScheduleRecord.MessageId(schedule, occurrence));

    private static PeriodicScheduler SchedulerOf(TestApp app) => app.Host.Services.GetServices<IHostedService>().OfType<PeriodicScheduler>().Single();

    private Task<TestApp> StartAsync(string prefix, PeriodicLedger ledger, Action<TypedTasksBuilder> schedules, TimeProvider? time = null, Action<WorkerOptions>? worker = null, Action<TypedTasksOptions>? options = null)
        => TestApp.StartAsync(
            server,
            prefix: prefix,
            tasks: b => schedules(b.AddTypedTasksIntegrationTestsTasks()),
            workerOptions: worker,
            options: options,
            services: s =>
            {
                s.AddSingleton(ledger);
                if (time is not null)
                {
                    s.AddSingleton<TimeProvider>(time);
                }
            });

    private static async Task DisposeAllAsync(IEnumerable<TestApp> apps)
    {
        foreach (var app in apps)
        {
            await app.DisposeAsync();
        }
    }
}
