using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace TypedTasks.Worker;

internal sealed partial class TaskWorker
{
    private static readonly NatsRawSerializer<NatsMemoryOwner<byte>> BodySerializer = NatsRawSerializer<NatsMemoryOwner<byte>>.Default;

    /// <summary>
    /// Pulls as many messages as the window has room for; a place returns when its task has run. A queue whose
    /// last pull came back empty waits in one long pull for a single message, holding one place, so an idle queue
    /// never starves the busy queues of the same worker (the window has one place per extra queue for that).
    /// </summary>
    private async Task FetchLoopAsync(string queue, INatsJSConsumer consumer, CancellationToken stoppingToken)
    {
        const int maxBatch = 256;
        var idle = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            int batch;
            try
            {
                batch = await _window.AcquireAsync(idle ? 1 : maxBatch, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var received = 0;
            try
            {
                // Idle: one long pull for a single message (holds one place). Busy: take what is there now,
                // without waiting for a full batch while holding places that other queues could use.
                var messages = idle
                    ? consumer.FetchAsync(new NatsJSFetchOpts { MaxMsgs = 1, Expires = TimeSpan.FromSeconds(5) }, BodySerializer, stoppingToken)
                    : consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = batch }, BodySerializer, stoppingToken);
                await foreach (var message in messages.ConfigureAwait(false))
                {
                    received++;
                    var held = new HeldMessage(Interlocked.Increment(ref _nextKey), queue, message);
                    _held[held.Key] = held;
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

            idle = received == 0;
        }
    }

    /// <summary>Passes a fetched message to the slots, or parks it with the rate limiter when its task type has a limit.</summary>
    private void Dispatch(HeldMessage held)
    {
        if (held.Header(Broker.TaskHeaders.Task) is { } name && _registry.TryGet(name, out var task) && task.RateLimit is { } limit)
        {
            _limiter.Park(held, task, limit, ready => _pending.Writer.TryWrite(ready));
            return;
        }

        _pending.Writer.TryWrite(held);
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
                    try
                    {
                        await held.Message.AckProgressAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
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
