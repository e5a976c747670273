using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using TypedTasks.Generated;

namespace TypedTasks.Worker;

internal sealed partial class TaskWorker
{
    /// <summary>How long a pull waits for messages before it is renewed.</summary>
    private static readonly TimeSpan PullExpires = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The expiry of a no-wait pull. nats-server 2.9 holds a no-wait pull that finds nothing until its expiry (it answers
    /// "no messages" at once only to one without an expiry, which NATS.Net does not send): a queue another worker emptied
    /// between two pulls would keep the places of this one for NATS.Net's default 30 s (docs/nats.md).
    /// </summary>
    private static readonly TimeSpan NoWaitExpires = TimeSpan.FromSeconds(1);

    /// <summary>
    /// About the most bytes one pull asks for. The window counts messages; with large bodies (up to the server's max
    /// payload) a pull of 256 would ask for hundreds of megabytes, past the server's 64 MB pending limit per connection,
    /// which drops the connection as a slow consumer (measured: 1 MB tasks fell from 800/s to 15/s). NATS.Net takes
    /// either a message or a byte limit per pull, so the message count is capped by the average body size.
    /// </summary>
    private const int PullMaxBytes = 16 * 1024 * 1024;

    private double _averageBodyBytes = 1024;

    /// <summary>How many messages a pull may ask for, given the bodies seen so far.</summary>
    private int MaxPullMessages(int maxBatch)
        => (int)Math.Clamp(PullMaxBytes / Math.Max(_averageBodyBytes, 1), 1, maxBatch);

    private static readonly NatsRawSerializer<NatsMemoryOwner<byte>> BodySerializer = NatsRawSerializer<NatsMemoryOwner<byte>>.Default;

    /// <summary>
    /// Pulls as many messages as the window has room for; a place returns when its task has run.
    /// <para>
    /// One queue: every pull is a long pull (expires after <see cref="PullExpires"/>) for all the free places, and
    /// messages are handed on as they arrive, so an idle worker keeps one pull open that new tasks flow into without
    /// a pull request per task, and a busy one pulls again when half of the window is free (or sooner when the last
    /// pull ended short: the queue ran dry). The places of a pull are taken before it is sent, so the worker never
    /// holds more than the window, and every message received is held and kept alive at once.
    /// </para>
    /// <para>
    /// Several queues: a queue whose last pull came back empty, or whose last message said nothing is left, waits in
    /// one long pull for a single message, holding one place, so an idle queue never starves the busy queues of the
    /// same worker (the window has one place per extra queue for that); a busy queue takes what is there now
    /// (no-wait pulls).
    /// </para>
    /// </summary>
    private async Task FetchLoopAsync(string queue, INatsJSConsumer consumer, CancellationToken stoppingToken)
    {
        const int maxBatch = 256;
        var streaming = _queues.Count == 1;
        var idle = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            int batch;
            try
            {
                var most = MaxPullMessages(maxBatch);
                batch = streaming
                    ? await _window.AcquireAsync(idle ? 1 : Math.Min(_window.Limit / 2, most), most, stoppingToken).ConfigureAwait(false)
                    : await _window.AcquireAsync(idle ? 1 : most, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var received = 0;
            var pending = 1UL;
            try
            {
                var messages = streaming || idle
                    ? consumer.FetchAsync(new NatsJSFetchOpts { MaxMsgs = batch, Expires = PullExpires }, BodySerializer, stoppingToken)
                    : consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = batch, Expires = NoWaitExpires }, BodySerializer, stoppingToken);
                await foreach (var message in messages.ConfigureAwait(false))
                {
                    received++;
                    _averageBodyBytes = (_averageBodyBytes * 0.9) + (message.Data.Length * 0.1);
                    var held = new HeldMessage(Interlocked.Increment(ref _nextKey), queue, message, _connection.Nats.ServerInfo?.Id);
                    _held[held.Key] = held;
                    pending = held.Pending;
                    Dispatch(held);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Log.FetchFailed(_logger, queue, ex);
                await DelayQuietlyAsync(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                _window.Release(batch - received);
            }

            // Streaming: a full pull means more may be queued (wait for half a window to pull a big batch); a short
            // one means the queue ran dry (pull again at once, for whatever is free). Several queues: nothing came, or
            // the last message said the queue is empty now: wait in one long pull rather than pay a no-wait pull
            // that would come back empty.
            idle = streaming ? received < batch : received == 0 || pending == 0;
        }
    }

    /// <summary>Passes a fetched message to the slots, or parks it with the rate limiter when its task type has a limit.</summary>
    private void Dispatch(HeldMessage held)
    {
        if (held.Header(Protocol.TaskHeaders.Task) is { } name && _registry.TryGet(name, out var task))
        {
            StartRecordRead(held, task);
            if (task.RateLimit is { } limit)
            {
                _limiter.Park(held, task, limit, ready => _pending.Writer.TryWrite(ready));
                return;
            }
        }

        _pending.Writer.TryWrite(held);
    }

    /// <summary>
    /// Starts reading the task's record for a first delivery, so that a task whose final record exists is not run again
    /// (a second message with the same id, published after the duplicate window or under another message id; a
    /// redelivery nats-server 2.9 reports as the first). The read runs while the message waits for a slot, overlapping
    /// the tasks ahead of it; in the minute after the worker (re)connected it is taken in the slot instead, right before
    /// the start (<see cref="ReadInSlotAfterConnect"/>). Not read: a message its producer sent once under an id it made,
    /// through the server delivering it now (<see cref="Protocol.FreshId"/>; not trusted in the minute after a reconnect).
    /// Redeliveries read the record in <see cref="CheckRedeliveryAsync"/>; tasks that track STARTED check by creating it;
    /// tasks without a record cannot be checked (docs/reliability.md). Off with <see cref="WorkerOptions.CheckRecordBeforeRun"/>.
    /// </summary>
    private void StartRecordRead(HeldMessage held, TaskDefinition task)
    {
        if (held.Deliveries == 1 && _options.CheckRecordBeforeRun && !task.IgnoreResult && !task.TrackStarted && _results.Enabled
            && held.TaskId is { } id && Protocol.NatsNames.IsValidTaskId(id)
            && !(FreshIdsTrusted && Protocol.FreshId.Holds(held.Header(Protocol.TaskHeaders.FreshId), id, held.Header(Protocol.TaskHeaders.MsgId), _connection.Nats.ServerInfo)))
        {
            if (RecentlyConnected)
            {
                held.ReadRecordInSlot = true;
            }
            else
            {
                held.RecordRead = ReadRecordAsync(id);
            }
        }
    }

    private async Task<RecordLookup> ReadRecordAsync(string id)
    {
        try
        {
            return new RecordLookup(await _results.GetEntryAsync(id, CancellationToken.None).ConfigureAwait(false), null);
        }
        catch (Exception ex)
        {
            return new RecordLookup(null, ex);
        }
    }

    /// <summary>Keeps every held message alive with a progress ack each third of AckWait.</summary>
    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _options.AckWait.Ticks / 3));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var held in _held.Values)
                {
                    // Only a lapsed lease stops the renewals: a task running when the connection moved to another server
                    // (a restart, another node of a cluster) keeps its lease where the server still knows the delivery.
                    if (held.LeaseLapsed(_options.AckWait))
                    {
                        // The broker may have redelivered it already: a progress ack now would not take it back.
                        continue;
                    }

                    try
                    {
                        await held.Message.AckProgressAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                        held.MarkAlive();
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.ProgressAckFailed(_logger, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Release(HeldMessage held)
    {
        _held.TryRemove(held.Key, out _);
        held.Message.Data.Dispose();
    }

    private static async Task DelayQuietlyAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
