using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Progress acks, waiting without polling, and errors that say what to do.</summary>
public sealed class GuaranteeTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LongTask_OutlivesAckWait_IsKeptAliveByProgressAcksAndNotRedelivered()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.AckWait = TimeSpan.FromMilliseconds(600));
        await using var acks = await WireCounter.StartAsync(app, $"$JS.ACK.{app.Connection.Names.TasksStream}.>", body => body == "+WPI");

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("long"), cancellationToken: Ct);
        await app.Probe.StartedSignal("long").Task.WaitAsync(Timeout, Ct);

        // Six progress acks, one each AckWait/3: the task has outlived AckWait twice over.
        await acks.AtLeast(6).WaitAsync(Timeout, Ct);
        app.Probe.Gate("long").TrySetResult();
        await handle.GetAsync(Timeout, Ct);

        var consumer = await app.Connection.JetStream.GetConsumerAsync(app.Connection.Names.TasksStream, app.Connection.Names.ConsumerName("default"), Ct);
        Assert.Equal(1ul, consumer.Info.Delivered.ConsumerSeq);
        Assert.Equal(1, app.Probe.Executions("long"));
    }

    [Fact]
    public async Task GetAsync_WaitsForTheNotification_WithoutPollingTheStore()
    {
        // The worker reads a task's record before it runs it (DuplicateTests); the producer's reads are told apart
        // from the worker's by the producer's own inbox prefix.
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(server, worker: false, options: o => o.InboxPrefix = ProducerInbox, probe: probe);
        await using var worker = await TestApp.StartAsync(server, prefix: app.Prefix, workerOptions: o => o.AckWait = TimeSpan.FromMilliseconds(600), probe: probe);
        // No safety read within this test: only the notification can complete the wait.
        app.Host.Services.GetRequiredService<Backend.NatsResultBackend>().SafetyReadAfter = TimeSpan.FromMinutes(5);
        await using var reads = await ResultReadsAsync(app);
        await using var acks = await WireCounter.StartAsync(app, $"$JS.ACK.{app.Connection.Names.TasksStream}.>", body => body == "+WPI");

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("notified"), cancellationToken: Ct);
        var waiting = handle.GetAsync(Timeout, Ct);
        await app.Probe.StartedSignal("notified").Task.WaitAsync(Timeout, Ct);
        await acks.AtLeast(3).WaitAsync(Timeout, Ct);
        var readsWhileWaiting = reads.Count;

        app.Probe.Gate("notified").TrySetResult();
        // The safety read is five minutes away: only the notification can end this wait within the timeout.
        Assert.Equal("notified", await waiting.WaitAsync(Timeout, Ct));

        // No read when the wait began (the task was expected before it was sent), none while it waited, and none after:
        // the notification came on the subject the producer sent with the task (TT-Reply, ending in its token), so its record is the result.
        // A read-back would have come before the wait returned.
        Assert.Equal(0, readsWhileWaiting);
        Assert.Equal(0, reads.Count);
    }

    [Fact]
    public async Task GetAsync_ResultNotifiedBeforeTheWaitBegan_WithTrustedNotifications_ReturnsItWithoutReadingTheStore()
    {
        // A notification without the wait's token only wakes the wait and the result is read back (IntakeTests: a forged
        // one is not returned); where NATS permissions keep everyone but workers off tt.results.>, TrustNotifications
        // saves that read too (here: a result notified before the wait began).
        await using var app = await TestApp.StartAsync(server, worker: false, options: o =>
        {
            o.ResultBackend.TrustNotifications = true;
            o.InboxPrefix = ProducerInbox;
        });
        await using var worker = await TestApp.StartAsync(server, prefix: app.Prefix);
        app.Host.Services.GetRequiredService<Backend.NatsResultBackend>().SafetyReadAfter = TimeSpan.FromMinutes(5);
        await using var reads = await ResultReadsAsync(app);
        await using var notifications = await WireCounter.StartAsync(app, app.Connection.ResultsSubject + ".*");

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(7), cancellationToken: Ct);
        await notifications.AtLeast(1).WaitAsync(Timeout, Ct);

        Assert.Equal(14, await handle.GetAsync(Timeout, Ct));
        Assert.Equal(0, reads.Count);
    }

    [Fact]
    public async Task GetAsync_NotificationLost_CompletesFromTheStoreAfterTheSafetyRead()
    {
        await using var app = await TestApp.StartAsync(server, worker: false);
        app.Host.Services.GetRequiredService<Backend.NatsResultBackend>().SafetyReadAfter = TimeSpan.FromMilliseconds(200);
        await using var reads = await ResultReadsAsync(app);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(5), cancellationToken: Ct);
        var waiting = handle.GetAsync(Timeout, Ct);

        // A worker that stored the result but whose notification never arrived (e.g. lost in a reconnect).
        var store = await app.Connection.GetResultStoreAsync(Ct);
        var record = Protocol.ResultRecordSerializer.ToBytes(new TaskResultRecord
        {
            Id = handle.Id,
            TaskName = HandWrittenTasks.Echo.Name,
            State = TaskState.Success,
            ResultJson = "5"u8.ToArray(),
            Attempts = 1,
            CompletedAt = DateTimeOffset.UtcNow,
        });
        await store!.PutAsync(handle.Id, record, NatsRawSerializer<byte[]>.Default, Ct);

        // No notification will come: only the safety read can end this wait.
        Assert.Equal(5, await waiting.WaitAsync(Timeout, Ct));
        await reads.AtLeast(1).WaitAsync(Timeout, Ct);
    }

    [Fact]
    public async Task Worker_WithNoRevocations_WatchesThemWithOneConsumer_NotAWatchPerLoop()
    {
        await using var app = await TestApp.StartAsync(server);
        var revoked = "KV_" + app.Connection.Names.RevokedBucket;
        await using var creates = await WireCounter.StartAsync(app, "$JS.API.CONSUMER.>", subject: s => s.Contains(".CREATE.", StringComparison.Ordinal) && s.Contains(revoked, StringComparison.Ordinal));

        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        // The watch of an empty revocation bucket stays open: no consumer is re-created while nothing happens.
        Assert.Equal(0, creates.Count);
        Assert.Equal(42, await (await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct)).GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task LargeBodies_PrefilledQueue_AutoPrefetchRunsEachTaskOnce()
    {
        var prefix = TestApp.NewPrefix();
        await using var producer = await TestApp.StartAsync(server, worker: false, prefix: prefix);
        const int Count = 150;
        var pad = new string('x', 900 * 1024);

        // 150 × 900 KB queued before the worker starts, so short tasks widen its window at once: pulls are capped
        // by bytes (about 16 MB), and every task runs once. (The bench's scale run showed a worker dropped as a slow
        // consumer by a 1 MB × 128 pull; this in-process test reads fast enough not to reproduce that, so it
        // guards the large-body path, not the cap itself.)
        var handles = new List<TaskHandle>();
        for (var i = 0; i < Count; i++)
        {
            handles.Add(await producer.Client.EnqueueAsync(HandWrittenTasks.Count, new JsonArguments($$"""{"key":"large","pad":"{{pad}}"}"""), cancellationToken: Ct));
        }

        await using var app = await TestApp.StartAsync(server, prefix: prefix);
        foreach (var handle in handles)
        {
            await handle.WaitAsync(Timeout, Ct);
        }

        // Executions, not the consumer's delivered count: on a loaded machine a 900 KB message can outlive its AckWait
        // in the pull buffer and be delivered again, which the worker then acks without running (its record is final).
        Assert.Equal(Count, app.Probe.Executions("large"));
    }

    [Fact]
    public async Task Status_WithoutResultBackend_ThrowsClearException()
    {
        await using var app = await TestApp.StartAsync(server, worker: false, options: o => o.ResultBackend.Enabled = false);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<ResultBackendNotConfiguredException>(() => handle.GetStatusAsync(Ct).AsTask());
        Assert.Contains("ResultBackend", error.Message);
    }

    [Fact]
    public async Task Enqueue_QueueFull_ThrowsAndDoesNotDropOlderTasks()
    {
        await using var app = await TestApp.StartAsync(server, worker: false, options: o => o.Broker.MaxMessages = 2);

        var first = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<TaskEnqueueException>(() => app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(3), cancellationToken: Ct).AsTask());

        Assert.Contains("full", error.Message);
        var stream = await app.Connection.JetStream.GetStreamAsync(app.Connection.Names.TasksStream, cancellationToken: Ct);
        Assert.Equal(2L, (long)stream.Info.State.Messages);
        Assert.Equal(1ul, (ulong)stream.Info.State.FirstSeq);
        Assert.NotNull(first.Id);
    }

    [Fact]
    public async Task Enqueue_ServerUnreachable_ThrowsTaskEnqueueExceptionNamingTheServer()
    {
        var services = new ServiceCollection();
        services.AddTypedTasks(o =>
        {
            o.Url = "nats://127.0.0.1:1";
            o.ConfigureNats = nats => nats with { ConnectTimeout = TimeSpan.FromSeconds(2) };
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<ITaskClient>();

        var error = await Assert.ThrowsAsync<TaskEnqueueException>(() => client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct).AsTask());

        Assert.Contains("nats://127.0.0.1:1", error.Message);
        Assert.Equal("tests.echo", error.TaskName);
    }

    /// <summary>Counts core-NATS messages on a subject pattern, as the server sends them.</summary>
    /// <summary>Counts KV reads of the results bucket on the wire.</summary>
    private const string ProducerInbox = "_INBOX_producer";

    /// <summary>Counts reads of the result bucket; with <see cref="ProducerInbox"/> set on the app, only the app's own.</summary>
    private static Task<WireCounter> ResultReadsAsync(TestApp app)
        => WireCounter.StartAsync(
            app,
            "$JS.API.>",
            subject: s => s.Contains("GET", StringComparison.Ordinal) && s.Contains(app.Connection.Names.ResultsBucket, StringComparison.Ordinal),
            replyTo: r => app.Connection.Options.InboxPrefix != ProducerInbox || (r?.StartsWith(ProducerInbox + ".", StringComparison.Ordinal) ?? false));

    private sealed class WireCounter : IAsyncDisposable
    {
        private readonly INatsSub<string> _subscription;
        private readonly Task _loop;
        private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = new();
        private int _count;

        private WireCounter(INatsSub<string> subscription, Func<string, bool> body, Func<string, bool> subject, Func<string?, bool> replyTo)
        {
            _subscription = subscription;
            _loop = Task.Run(async () =>
            {
                await foreach (var message in subscription.Msgs.ReadAllAsync())
                {
                    if (subject(message.Subject) && replyTo(message.ReplyTo) && body(message.Data ?? string.Empty))
                    {
                        var now = Interlocked.Increment(ref _count);
                        lock (_waiters)
                        {
                            foreach (var waiter in _waiters.Where(w => now >= w.Count).ToList())
                            {
                                waiter.Signal.TrySetResult();
                                _waiters.Remove(waiter);
                            }
                        }
                    }
                }
            });
        }

        public int Count => Volatile.Read(ref _count);

        public static async Task<WireCounter> StartAsync(TestApp app, string pattern, Func<string, bool>? body = null, Func<string, bool>? subject = null, Func<string?, bool>? replyTo = null)
        {
            var subscription = await app.Connection.Nats.SubscribeCoreAsync<string>(pattern, cancellationToken: Ct);
            await app.Connection.Nats.PingAsync(Ct);
            return new WireCounter(subscription, body ?? (_ => true), subject ?? (_ => true), replyTo ?? (_ => true));
        }

        public Task AtLeast(int count)
        {
            lock (_waiters)
            {
                if (Count >= count)
                {
                    return Task.CompletedTask;
                }

                var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, signal));
                return signal.Task;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _subscription.UnsubscribeAsync();
            await _loop;
            await _subscription.DisposeAsync();
        }
    }
}
