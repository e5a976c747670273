using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using TypedTasks.Protocol;

namespace TypedTasks.Worker;

/// <summary>Remote control (Celery's <c>control</c>): ping and, when allowed, a graceful shutdown, on core NATS.</summary>
/// <remarks>Whoever may publish on the control subjects can send anything there: each message is answered or ignored on
/// its own, logged at most once with a bounded echo, and nothing in it ends the loop (issue 11).</remarks>
internal sealed partial class TaskWorker
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> ControlSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>Answers commands on this worker's control subject and on the one of all workers, until stopped;
    /// <paramref name="listening"/> completes once both subscriptions are in place (or remote control is off or failed).</summary>
    private async Task ControlLoopAsync(TaskCompletionSource listening, CancellationToken stoppingToken)
    {
        if (!_options.RemoteControl.Enabled)
        {
            listening.TrySetResult();
            return;
        }

        var names = _connection.Names;
        try
        {
            await using var mine = await SubscribeControlAsync(names.ControlSubject(_workerId), stoppingToken).ConfigureAwait(false);
            await using var all = await SubscribeControlAsync(names.ControlAll, stoppingToken).ConfigureAwait(false);
            listening.TrySetResult();
            await Task.WhenAll(AnswerAsync(mine, broadcast: false, stoppingToken), AnswerAsync(all, broadcast: true, stoppingToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (NatsException ex)
        {
            Log.ControlFailed(_logger, ex);
        }
        finally
        {
            listening.TrySetResult();
        }
    }

    private ValueTask<INatsSub<ReadOnlyMemory<byte>>> SubscribeControlAsync(string subject, CancellationToken stoppingToken)
        => _connection.Nats.SubscribeCoreAsync(
            subject,
            serializer: ControlSerializer,
            // A flood waits in a small queue; past it the newest requests are dropped, memory does not grow.
            opts: new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = 64, FullMode = BoundedChannelFullMode.DropNewest } },
            cancellationToken: stoppingToken);

    private async Task AnswerAsync(INatsSub<ReadOnlyMemory<byte>> commands, bool broadcast, CancellationToken stoppingToken)
    {
        await foreach (var command in commands.Msgs.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await AnswerOneAsync(command, broadcast, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // One request that cannot be answered (a lost connection, a reply the server refuses) ends nothing.
                Log.ControlAnswerFailed(_logger, command.Subject, ex);
            }
        }
    }

    private async ValueTask AnswerOneAsync(NatsMsg<ReadOnlyMemory<byte>> command, bool broadcast, CancellationToken stoppingToken)
    {
        var body = command.Data.Span;
        if (!ControlProtocol.IsReplySubject(command.ReplyTo))
        {
            // A reply subject is data, never authority: the worker publishes nowhere but an inbox (as for TT-Reply).
            Log.ControlIgnored(_logger, command.Subject, Echo(body), command.ReplyTo is null
                ? "no reply subject (remote control answers requests only)"
                : $"the reply subject '{WireText.Bound(command.ReplyTo)}' is not an inbox (_INBOX.… or _INBOX_<name>.…)");
            return;
        }

        ReadOnlyMemory<byte> answer;
        var stop = false;
        if (body.SequenceEqual(ControlProtocol.Ping))
        {
            answer = JsonSerializer.SerializeToUtf8Bytes(Snapshot(_options.HeartbeatInterval, _options.RemoteControl.IncludeRunningTasks), WorkerInfoJson.Default.WorkerInfo);
        }
        else if (body.SequenceEqual(ControlProtocol.Shutdown))
        {
            var refusal = broadcast
                ? $"shutdown is accepted only on a worker's own subject ({_connection.Names.ControlSubject(_workerId)}), never on {_connection.Names.ControlAll}: stop workers one at a time (tt shutdown <worker-id>)"
                : !_options.RemoteControl.AllowShutdown
                    ? "remote shutdown is off on this worker; enable it with TypedTasks:Worker:RemoteControl:AllowShutdown=true (WorkerOptions.RemoteControl.AllowShutdown) and restart the worker, or stop its process (SIGTERM)"
                    : null;
            if (refusal is null)
            {
                Log.ShutdownRequested(_logger, _workerId);
                answer = ControlProtocol.Stopping.ToArray();
                stop = true;
            }
            else
            {
                Log.ControlRefused(_logger, "shutdown", command.Subject, refusal);
                answer = Encoding.UTF8.GetBytes(ControlProtocol.RefusedPrefix + refusal);
            }
        }
        else
        {
            Log.ControlIgnored(_logger, command.Subject, Echo(body), "unknown command (known: ping, shutdown)");
            answer = ControlProtocol.UnknownCommand.ToArray();
        }

        await command.ReplyAsync(answer, serializer: ControlSerializer, cancellationToken: stoppingToken).ConfigureAwait(false);
        if (stop)
        {
            // The host stops this worker as on SIGTERM: no new tasks, running ones within the grace period.
            _lifetime?.StopApplication();
        }
    }

    /// <summary>A request's body for a log line: at most <see cref="WireText.MaxEcho"/> characters, control characters as '?'.</summary>
    private static string Echo(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return "empty body";
        }

        var text = WireText.Bound(Encoding.UTF8.GetString(body[..Math.Min(body.Length, WireText.MaxEcho)]));
        return body.Length > WireText.MaxEcho ? $"{text}… ({body.Length} bytes)" : text;
    }
}
