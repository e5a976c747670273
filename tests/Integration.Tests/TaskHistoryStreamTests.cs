using System.Text;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream.Models;
using TypedTasks.Client;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// The task history stream (<c>TT_HISTORY</c>, docs/protocol.md §7c) on a real nats-server: created with the other streams
/// when task events are on, with the configured limits; it keeps a task's events as published; it drops the oldest past
/// its count limit; and live subscribers of the events see no change.
/// </summary>
public sealed class TaskHistoryStreamTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithTaskEventsOn_TheWorkerCreatesTheHistory_WithItsLimits_AndItKeepsATasksEvents()
    {
        await using var app = await TestApp.StartAsync(server, options: o =>
        {
            o.SendTaskEvents = true;
            o.TaskHistory.MaxMessages = 5_000;
            o.TaskHistory.MaxAge = TimeSpan.FromHours(2);
            o.TaskHistory.MaxBytes = 8L * 1024 * 1024;
        });
        var names = app.Connection.Names;
        var stream = await app.Connection.JetStream.GetStreamAsync(names.HistoryStream, cancellationToken: Ct);
        var config = stream.Info.Config;
        Assert.Equal([app.Prefix + ".events.task.*"], config.Subjects);
        Assert.Equal(5_000, config.MaxMsgs);
        Assert.Equal(TimeSpan.FromHours(2), config.MaxAge);
        Assert.Equal(8L * 1024 * 1024, config.MaxBytes);
        Assert.Equal(StreamConfigDiscard.Old, config.Discard);
        Assert.Equal(StreamConfigRetention.Limits, config.Retention);
        Assert.Equal(StreamConfigStorage.File, config.Storage);

        // Live subscribers are unchanged: the same subjects, the same events.
        await using var feed = await app.Host.Services.GetRequiredService<ITaskEvents>().SubscribeAsync(cancellationToken: Ct);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures("history-kept", 1), cancellationToken: Ct);
        await handle.GetAsync(Timeout, Ct);
        var live = new List<TaskEvent>();
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(Timeout);
            await foreach (var e in feed.ReadAllAsync(deadline.Token))
            {
                live.Add(e);
                if (e.Id == handle.Id && e.Kind == TaskEventKind.Succeeded)
                {
                    break;
                }
            }
        }

        // The stream has them too (stored as published; the server may still be storing the last one).
        List<TaskEvent> kept = [];
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(Timeout);
            while (!kept.Any(e => e.Kind == TaskEventKind.Succeeded))
            {
                var state = await TaskHistory.ReadStateAsync(app.Connection, deadline.Token);
                Assert.NotNull(state);
                kept = [];
                await foreach (var (_, e) in TaskHistory.ReadAsync(app.Connection, state, 1, state.LastSequence, deadline.Token))
                {
                    if (e.Id == handle.Id)
                    {
                        kept.Add(e);
                    }
                }

                if (!kept.Any(e => e.Kind == TaskEventKind.Succeeded))
                {
                    await Task.Delay(50, deadline.Token); // the server stores core publishes as they come; nothing to await on
                }
            }
        }

        Assert.Equal(live.Where(e => e.Id == handle.Id).OrderBy(e => e.At), kept.OrderBy(e => e.At));
        Assert.Equal([TaskEventKind.Started, TaskEventKind.Retried, TaskEventKind.Started, TaskEventKind.Succeeded], kept.Where(e => e.Kind != TaskEventKind.Sent).Select(e => e.Kind));
        Assert.Single(kept, e => e.Kind == TaskEventKind.Sent);
    }

    [Fact]
    public async Task WithTaskEventsOff_OrTheHistoryOff_NoHistoryStream()
    {
        await using var quiet = await TestApp.StartAsync(server);
        Assert.False(await quiet.Connection.StreamExistsAsync(quiet.Connection.Names.HistoryStream, Ct));
        Assert.Null(await TaskHistory.ReadStateAsync(quiet.Connection, Ct));

        await using var off = await TestApp.StartAsync(server, options: o =>
        {
            o.SendTaskEvents = true;
            o.TaskHistory.Enabled = false;
        });
        Assert.False(await off.Connection.StreamExistsAsync(off.Connection.Names.HistoryStream, Ct));
    }

    /// <summary>An upgrade without the server configuration's new lines: the history is best effort, as the events are.</summary>
    [Fact]
    public async Task AWorkerThatMayNotCreateTheHistory_StillStartsAndRunsTasks_AndLogsWhy()
    {
        // docs/security/nats-server.conf as it was before the task history: no right on TT_HISTORY.
        await using var secured = await EditedSecuredServer.StartAsync(lines => lines.Where(l => !l.Contains("TT_HISTORY", StringComparison.Ordinal)), Ct);
        var logs = new RecentLog();
        using var worker = await SecuredNatsServer.StartHostAsync(secured.WorkerSettings(("TypedTasks:SendTaskEvents", "true")), worker: true, logs);

        var handle = await worker.Services.GetRequiredService<ITaskClient>().EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);
        Assert.Equal(42, await handle.GetAsync(Timeout, Ct));
        // Refused at once by the server (not after a timeout), and said in the log with the subject refused.
        var warning = Assert.Single(logs.Lines, l => l.Contains("The task history stream TT_HISTORY could not be created or updated", StringComparison.Ordinal));
        Assert.Contains("Permissions Violation for Publish to \"$JS.API.STREAM.", warning, StringComparison.Ordinal);
        Assert.Contains(".TT_HISTORY\"", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PastItsCountLimit_TheHistoryDropsTheOldestEvents_AndReadsStayWithinWhatIsKept()
    {
        await using var app = await TestApp.StartAsync(server, worker: false, options: o =>
        {
            o.SendTaskEvents = true;
            o.TaskHistory.MaxMessages = 1_000;
        });
        await app.Connection.EnsureInfrastructureAsync(Ct);
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var subject = app.Connection.Names.TaskEventsPrefix + "sent";
        for (var i = 0; i < 1_200; i++)
        {
            var json = $$"""{"kind":"Sent","id":"cap-{{i}}","taskName":"tests.echo","queue":"default","at":"2026-12-07T12:00:00+00:00"}""";
            await nats.PublishAsync(subject, Encoding.UTF8.GetBytes(json), cancellationToken: Ct);
        }

        // Not a task event: skipped by readers, kept by the stream (it counts toward the limit).
        await nats.PublishAsync(subject, Encoding.UTF8.GetBytes("{\"kind\":\"<b>\"}"), cancellationToken: Ct);
        await nats.PingAsync(Ct);

        TaskHistoryState? state;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(Timeout);
            while ((state = await TaskHistory.ReadStateAsync(app.Connection, deadline.Token))!.LastSequence < 1_201)
            {
                await Task.Delay(50, deadline.Token); // core publishes are stored asynchronously; nothing to await on
            }
        }

        Assert.Equal(1_000, state.Messages);
        Assert.Equal(202UL, state.FirstSequence);
        Assert.Equal(1_000, state.MaxMessages);
        var ids = new List<string>();
        await foreach (var (_, e) in TaskHistory.ReadAsync(app.Connection, state, 1, ulong.MaxValue, Ct))
        {
            ids.Add(e.Id);
        }

        Assert.Equal(Enumerable.Range(201, 999).Select(i => "cap-" + i), ids);
    }
}
