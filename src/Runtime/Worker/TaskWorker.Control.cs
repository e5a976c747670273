using System.Text.Json;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using TypedTasks.Protocol;

namespace TypedTasks.Worker;

/// <summary>Remote control (Celery's <c>control</c>): ping and a graceful shutdown, on core NATS.</summary>
internal sealed partial class TaskWorker
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> ControlSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>Answers commands on this worker's control subject and on the one of all workers, until stopped.</summary>
    private async Task ControlLoopAsync(CancellationToken stoppingToken)
    {
        if (!_options.RemoteControl)
        {
            return;
        }

        var names = _connection.Names;
        try
        {
            await using var mine = await _connection.Nats.SubscribeCoreAsync(names.ControlSubject(_workerId), serializer: ControlSerializer, cancellationToken: stoppingToken).ConfigureAwait(false);
            await using var all = await _connection.Nats.SubscribeCoreAsync(names.ControlAll, serializer: ControlSerializer, cancellationToken: stoppingToken).ConfigureAwait(false);
            await Task.WhenAll(AnswerAsync(mine, stoppingToken), AnswerAsync(all, stoppingToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (NatsException ex)
        {
            Log.ControlFailed(_logger, ex);
        }
    }

    private async Task AnswerAsync(INatsSub<ReadOnlyMemory<byte>> commands, CancellationToken stoppingToken)
    {
        await foreach (var command in commands.Msgs.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            ReadOnlyMemory<byte> answer;
            if (command.Data.Span.SequenceEqual("ping"u8))
            {
                answer = JsonSerializer.SerializeToUtf8Bytes(Snapshot(_options.HeartbeatInterval), WorkerInfoJson.Default.WorkerInfo);
            }
            else if (command.Data.Span.SequenceEqual("shutdown"u8))
            {
                Log.ShutdownRequested(_logger, _workerId);
                answer = "stopping"u8.ToArray();
                await command.ReplyAsync(answer, serializer: ControlSerializer, cancellationToken: stoppingToken).ConfigureAwait(false);
                // The host stops this worker as on SIGTERM: no new tasks, running ones within the grace period.
                _lifetime?.StopApplication();
                continue;
            }
            else
            {
                answer = "unknown command"u8.ToArray();
            }

            if (command.ReplyTo is not null)
            {
                await command.ReplyAsync(answer, serializer: ControlSerializer, cancellationToken: stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
