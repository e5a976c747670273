using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace TypedTasks.Worker;

internal sealed partial class TaskWorker
{
    private static readonly NatsRawSerializer<NatsMemoryOwner<byte>> BodySerializer = NatsRawSerializer<NatsMemoryOwner<byte>>.Default;

    /// <summary>
    /// Pulls as many messages as there are free permits; a permit returns when its task has run. A queue whose
    /// last pull came back empty asks for one message only, so an idle queue's waiting pull holds one permit
    /// and never starves the busy queues of the same worker (each queue has one permit of its own for that).
    /// </summary>
    private async Task FetchLoopAsync(string queue, INatsJSConsumer consumer, int maxBatch, CancellationToken stoppingToken)
    {
        var idle = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _permits.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var batch = 1;
            while (!idle && batch < maxBatch && _permits.Wait(0))
            {
                batch++;
            }

            var received = 0;
            try
            {
                var fetch = new NatsJSFetchOpts { MaxMsgs = batch, Expires = TimeSpan.FromSeconds(5) };
                await foreach (var message in consumer.FetchAsync(fetch, BodySerializer, stoppingToken).ConfigureAwait(false))
                {
                    received++;
                    var held = new HeldMessage(Interlocked.Increment(ref _nextKey), queue, message);
                    _held[held.Key] = held;
                    _pending.Writer.TryWrite(held);
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
                if (batch > received)
                {
                    _permits.Release(batch - received);
                }
            }

            idle = received == 0;
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
