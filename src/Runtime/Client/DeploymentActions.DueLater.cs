using System.Globalization;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Backend;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Client;

/// <summary>What became of a task due later that an operator cancelled or ran now.</summary>
/// <param name="Task">The task as it waited.</param>
/// <param name="Removed">Whether this call removed it from the waiting stream; false when it left in between (the schedule
/// mover or the server moved it to its queue when it fell due): a cancelled one is then stopped by its revocation.</param>
internal sealed record DueTaskActed(DueTask Task, bool Removed);

/// <summary>Cancelling a task due later, and running it now: <c>tt scheduled cancel|run</c> and the dashboard's due-later page.</summary>
internal static partial class DeploymentActions
{
    /// <summary>
    /// Cancels the task due later at <paramref name="sequence"/> of the waiting stream (<see cref="TypedTasksConnection.WaitingStream"/>:
    /// the schedule stream, or the delayed stream with the server's scheduled delivery): revokes its id first, as
    /// <c>tt revoke</c> does (the revocation every worker sees, and REVOKED when the task keeps a record: it has one, or
    /// its message asks for a result notification), so that a move racing this call finds it revoked; then deletes the
    /// held message. A message with no usable task id is only deleted.
    /// </summary>
    /// <returns>The task, or null when nothing waits at that sequence (moved already, cancelled, or never there).</returns>
    /// <exception cref="TypedTasksException">The message's header block cannot be read.</exception>
    public static async Task<DueTaskActed?> CancelDueTaskAsync(TypedTasksConnection connection, ResultBackend results, ulong sequence, CancellationToken cancellationToken)
    {
        if (await ReadHeldAsync(connection, sequence, cancellationToken).ConfigureAwait(false) is not { } held)
        {
            return null;
        }

        if (held.Task.TaskId is { } id && NatsNames.IsValidTaskId(id))
        {
            var keepsRecord = held.Headers.ContainsKey(TaskHeaders.Reply) || held.Headers.ContainsKey(TaskHeaders.RecordRevision)
                || await results.GetAsync(id, cancellationToken).ConfigureAwait(false) is not null;
            await results.RevokeAsync(id, held.Task.TaskName ?? string.Empty, terminate: false, writeRecord: keepsRecord, cancellationToken).ConfigureAwait(false);
        }

        return new DueTaskActed(held.Task, await DeleteHeldAsync(held.Stream, sequence, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Moves the task due later at <paramref name="sequence"/> to its queue now, as the schedule mover (or the forwarder)
    /// does when it falls due: its own headers without the server's and without <c>TT-Eta</c>, <c>Nats-Msg-Id</c>
    /// <c>&lt;id&gt;:&lt;attempt&gt;</c> (so a move racing this one is dropped by the broker's duplicate window), then
    /// the held message is deleted.
    /// </summary>
    /// <returns>The task, or null when nothing waits at that sequence.</returns>
    /// <exception cref="TypedTasksException">The message cannot be moved (no valid queue, an unreadable header block), or
    /// its queue refused it (full): it stays where it waits.</exception>
    public static async Task<DueTaskActed?> RunDueTaskNowAsync(TypedTasksConnection connection, ulong sequence, CancellationToken cancellationToken)
    {
        if (await ReadHeldAsync(connection, sequence, cancellationToken).ConfigureAwait(false) is not { } held)
        {
            return null;
        }

        var queue = held.Task.Queue;
        if (!NatsNames.IsValidQueue(queue))
        {
            throw new TypedTasksException($"The task due later at sequence {sequence} names no valid queue ('{WireText.Bound(queue)}'); the schedule mover dead-letters it when it falls due.");
        }

        var messageId = TaskSchedule.DueMessageId(held.Headers, sequence.ToString(CultureInfo.InvariantCulture));
        var ack = await connection.JetStream.PublishAsync(
            connection.Names.TaskSubject(queue),
            held.Body,
            RawSerializer,
            new NatsJSPubOpts { MsgId = messageId },
            TaskSchedule.DueHeaders(held.Headers),
            cancellationToken).ConfigureAwait(false);
        if (ack.Error is { } error)
        {
            throw new TypedTasksException($"Queue '{queue}' refused task {held.Task.TaskId ?? messageId} ({error.ErrCode}: {error.Description}); it still waits to fall due.");
        }

        return new DueTaskActed(held.Task, await DeleteHeldAsync(held.Stream, sequence, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The task due later at <paramref name="sequence"/> of the waiting stream (for a confirmation); null when
    /// nothing waits there.</summary>
    public static async Task<DueTask?> ReadDueTaskAsync(TypedTasksConnection connection, ulong sequence, CancellationToken cancellationToken)
        => (await ReadHeldAsync(connection, sequence, cancellationToken).ConfigureAwait(false))?.Task;

    /// <summary>The message at <paramref name="sequence"/> of the waiting stream, if it is a task due later there: one
    /// message get (<c>STREAM.MSG.GET</c>, which the operator role has on both waiting streams).</summary>
    private static async Task<HeldDueTask?> ReadHeldAsync(TypedTasksConnection connection, ulong sequence, CancellationToken cancellationToken)
    {
        await connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var native = connection.NativeScheduling;
        var subjectPrefix = connection.Names.Prefix + (native ? ".delayed." : ".scheduled.");
        StoredMessage message;
        INatsJSStream stream;
        try
        {
            stream = await connection.JetStream.GetStreamAsync(connection.WaitingStream, cancellationToken: cancellationToken).ConfigureAwait(false);
            message = (await stream.GetAsync(new StreamMsgGetRequest { Seq = sequence }, cancellationToken).ConfigureAwait(false)).Message;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404 || ex.Error.ErrCode == 10037)
        {
            return null; // no such stream yet, or no message at that sequence
        }

        if (message.Subject is not { } subject || !subject.StartsWith(subjectPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var headers = HeaderBlock.Read(message.Hdrs)
            ?? throw new TypedTasksException($"The header block of the task due later at sequence {sequence} cannot be read; the schedule mover dead-letters it when it falls due.");
        return new HeldDueTask(stream, DeploymentQueries.ToDueTask(message, subjectPrefix), headers, message.Data);
    }

    /// <summary>Deletes a held message; false when it is gone already (moved when it fell due).</summary>
    private static async Task<bool> DeleteHeldAsync(INatsJSStream stream, ulong sequence, CancellationToken cancellationToken)
    {
        try
        {
            await stream.DeleteMessageAsync(new StreamMsgDeleteRequest { Seq = sequence, NoErase = true }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404 || ex.Error.ErrCode == 10037)
        {
            return false;
        }
    }

    private sealed record HeldDueTask(INatsJSStream Stream, DueTask Task, NatsHeaders Headers, ReadOnlyMemory<byte> Body);

    /// <summary>A stored header block as <c>STREAM.MSG.GET</c> returns it (base64 of <c>NATS/1.0\r\nName: value\r\n…</c>),
    /// every value kept, for a message that is sent on.</summary>
    internal static class HeaderBlock
    {
        /// <summary>The most header bytes read: more than any task message carries (NATS's own limit is the max payload).</summary>
        private const int MaxBytes = 1024 * 1024;

        /// <summary>The headers; empty without a block; null when it is not one (no <c>NATS/1.0</c> line, a line without a colon).</summary>
        public static NatsHeaders? Read(string? base64)
        {
            var headers = new NatsHeaders();
            if (string.IsNullOrEmpty(base64))
            {
                return headers;
            }

            if (base64.Length > MaxBytes / 3 * 4 + 4)
            {
                return null;
            }

            string block;
            try
            {
                block = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            }
            catch (FormatException)
            {
                return null;
            }

            var lines = block.Split("\r\n");
            if (!lines[0].StartsWith("NATS/1.0", StringComparison.Ordinal))
            {
                return null;
            }

            foreach (var line in lines.Skip(1))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    return null;
                }

                var name = line[..colon].Trim();
                if (name.Length == 0)
                {
                    return null;
                }

                var value = line[(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out var earlier) ? Microsoft.Extensions.Primitives.StringValues.Concat(earlier, value) : value;
            }

            return headers;
        }
    }
}
