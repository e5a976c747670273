using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

/// <summary>
/// With native scheduled delivery (nats-server 2.12+), forwards tasks the server has released as due from the delayed
/// stream to their queues. The server keeps the time and the schedule; this only crosses streams, because a schedule
/// must target its own stream and the task stream keeps DiscardNew (a full queue fails the sender), which streams with
/// schedules refuse.
/// </summary>
/// <remarks>
/// Every worker forwards through one shared durable consumer (the work spreads, no election). The server fires
/// schedules on a timer of at least 250 ms, so schedules ask to fire that much early and the forwarder holds each task
/// until its ETA (at most a second) — many at once, so a burst of due tasks is not forwarded one after another. A due
/// task is published to its queue with <c>Nats-Msg-Id = id:attempt</c> and then acked, which removes it from the
/// work-queue stream; a forward repeated after a crash between the two is dropped by the broker's duplicate window.
/// A queue that refuses the task (full) gets it again a second later; tasks held at shutdown are handed back at once.
/// </remarks>
internal sealed partial class ScheduleForwarder : BackgroundService
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest a task is held for its ETA (guards against a producer whose clock runs ahead).</summary>
    private static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(1);

    private const int MaxInFlight = 512;

    /// <summary>How often a worker that schedules through the schedule stream looks whether the delayed stream appeared.</summary>
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);

    private readonly TypedTasksConnection _connection;
    private readonly ILogger<ScheduleForwarder> _logger;

    public ScheduleForwarder(TypedTasksConnection connection, ILogger<ScheduleForwarder> logger)
    {
        _connection = connection;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _connection.EnsureInfrastructureAsync(stoppingToken).ConfigureAwait(false);
                // Also when this process schedules through the schedule stream: other processes (Auto on a newer
                // server) may schedule natively, and their due tasks must not wait for a worker that forwards.
                if (!_connection.NativeScheduling && !await _connection.StreamExistsAsync(_connection.Names.DelayedStream, stoppingToken).ConfigureAwait(false))
                {
                    await Task.Delay(RecheckInterval, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                var names = _connection.Names;
                // With CreateInfrastructure off, whoever made the streams made this consumer too (docs/protocol.md).
                var consumer = _connection.Options.CreateInfrastructure
                    ? await _connection.JetStream.CreateOrUpdateConsumerAsync(
                        names.DelayedStream,
                        new ConsumerConfig(names.ForwarderConsumer)
                        {
                            FilterSubject = names.DueFilter,
                            AckPolicy = ConsumerConfigAckPolicy.Explicit,
                            AckWait = TimeSpan.FromSeconds(30),
                            MaxAckPending = 1024,
                            Description = "TypedTasks: workers forward due tasks to their queues",
                        },
                        stoppingToken).ConfigureAwait(false)
                    : await _connection.JetStream.GetConsumerAsync(names.DelayedStream, names.ForwarderConsumer, stoppingToken).ConfigureAwait(false);
                // Short pulls: after a server restart the next pull goes out within seconds, not the default 30 s.
                await foreach (var message in consumer.ConsumeAsync(RawSerializer, new NatsJSConsumeOpts { MaxMsgs = 256, Expires = TimeSpan.FromSeconds(5) }, stoppingToken).ConfigureAwait(false))
                {
                    await _inFlight.WaitAsync(stoppingToken).ConfigureAwait(false);
                    _ = ForwardAsync(message, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await WaitForForwardsAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                Log.ForwarderFailed(_logger, ex);
                try
                {
                    await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ForwardAsync(INatsJSMsg<ReadOnlyMemory<byte>> message, CancellationToken cancellationToken)
    {
        var headers = message.Headers ?? new NatsHeaders();
        var messageId = TaskSchedule.DueMessageId(headers, message.Metadata?.Sequence.Stream.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?");
        // tt.delayed.<queue>: the queue is the last token.
        var queue = message.Subject[(message.Subject.LastIndexOf('.') + 1)..];
        try
        {
            if (TaskSchedule.Eta(headers) is { } eta)
            {
                // A timer may end a little before the wall clock gets there: check again, within MaxHold overall.
                var holdUntil = DateTimeOffset.UtcNow + MaxHold;
                while (DateTimeOffset.UtcNow is var now && now < eta && now < holdUntil)
                {
                    var early = (eta < holdUntil ? eta : holdUntil) - now;
                    await Task.Delay(early + TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
                }
            }

            if (await TryPublishAsync(message, headers, queue, messageId, cancellationToken).ConfigureAwait(false))
            {
                await message.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await message.NakAsync(delay: RetryDelay, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: hand the task to another worker's forwarder now, not after the AckWait.
            await HandBackAsync(message).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not acked: the server delivers it again after the AckWait.
            Log.ForwarderFailed(_logger, ex);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task<bool> TryPublishAsync(INatsJSMsg<ReadOnlyMemory<byte>> message, NatsHeaders headers, string queue, string messageId, CancellationToken cancellationToken)
    {
        try
        {
            var ack = await _connection.JetStream.PublishAsync(
                _connection.Names.TaskSubject(queue),
                message.Data,
                RawSerializer,
                new NatsJSPubOpts { MsgId = messageId },
                TaskSchedule.DueHeaders(headers),
                cancellationToken).ConfigureAwait(false);
            if (ack.Error is { } error)
            {
                throw new NatsJSApiException(error);
            }

            return true;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException)
        {
            Log.ForwardRefused(_logger, messageId, queue, ex);
            return false;
        }
    }

    private static async Task HandBackAsync(INatsJSMsg<ReadOnlyMemory<byte>> message)
    {
        try
        {
            await message.NakAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or ObjectDisposedException)
        {
            // The connection is going: the server delivers it again after the AckWait.
        }
    }

    /// <summary>Waits (a few seconds at most) for the forwards in flight, which hand their tasks back when stopping.</summary>
    private async Task WaitForForwardsAsync()
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
        for (var taken = 0; taken < MaxInFlight; taken++)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero || !await _inFlight.WaitAsync(left).ConfigureAwait(false))
            {
                break;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(310, LogLevel.Warning, "Forwarding due task {MessageId} to queue '{Queue}' failed; trying again in a second")]
        public static partial void ForwardRefused(ILogger logger, string messageId, string queue, Exception exception);

        [LoggerMessage(311, LogLevel.Warning, "Schedule forwarder failed; retrying")]
        public static partial void ForwarderFailed(ILogger logger, Exception exception);
    }
}
