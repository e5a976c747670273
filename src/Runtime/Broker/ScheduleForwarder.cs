using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Internal;

namespace TypedTasks.Broker;

/// <summary>
/// With native scheduled delivery (nats-server 2.12+), forwards tasks the server has released as due from the delayed
/// stream to their queues. The server keeps the time and the schedule; this only crosses streams, because a schedule
/// must target its own stream and the task stream keeps DiscardNew (a full queue fails the sender), which streams with
/// schedules refuse.
/// </summary>
/// <remarks>
/// Every worker forwards through one shared durable consumer (the work spreads, no election). A due task is published
/// to its queue with <c>Nats-Msg-Id = id:attempt</c> and then acked, which removes it from the work-queue stream; a
/// forward repeated after a crash between the two is dropped by the broker's duplicate window. A queue that refuses
/// the task (full) gets it again a second later.
/// </remarks>
internal sealed partial class ScheduleForwarder : BackgroundService
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

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
                if (!_connection.NativeScheduling)
                {
                    return;
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
                    await ForwardAsync(message, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
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
        var names = _connection.Names;
        // tt.delayed.<queue>: the queue is the last token.
        var queue = message.Subject[(message.Subject.LastIndexOf('.') + 1)..];
        var headers = message.Headers ?? new NatsHeaders();
        var messageId = TaskSchedule.DueMessageId(headers, message.Metadata?.Sequence.Stream.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?");
        try
        {
            var ack = await _connection.JetStream.PublishAsync(
                names.TaskSubject(queue),
                message.Data,
                RawSerializer,
                new NatsJSPubOpts { MsgId = messageId },
                TaskSchedule.DueHeaders(headers),
                cancellationToken).ConfigureAwait(false);
            if (ack.Error is { } error)
            {
                throw new NatsJSApiException(error);
            }
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException)
        {
            Log.ForwardRefused(_logger, messageId, queue, ex);
            await message.NakAsync(delay: RetryDelay, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        await message.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(310, LogLevel.Warning, "Forwarding due task {MessageId} to queue '{Queue}' failed; trying again in a second")]
        public static partial void ForwardRefused(ILogger logger, string messageId, string queue, Exception exception);

        [LoggerMessage(311, LogLevel.Warning, "Schedule forwarder failed; retrying")]
        public static partial void ForwarderFailed(ILogger logger, Exception exception);
    }
}
