using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Client;

/// <summary>What the history stream holds when it was read.</summary>
/// <param name="Stream">The stream's name (<c>TT_HISTORY</c>).</param>
/// <param name="Messages">Events kept.</param>
/// <param name="FirstSequence">The oldest event's sequence.</param>
/// <param name="LastSequence">The newest event's sequence (0 when nothing was ever stored).</param>
/// <param name="FirstAt">When the oldest event kept was stored; null when none is kept.</param>
/// <param name="MaxMessages">The stream's count limit (-1: none).</param>
/// <param name="MaxAge">The stream's age limit (zero: none).</param>
internal sealed record TaskHistoryState(string Stream, long Messages, ulong FirstSequence, ulong LastSequence, DateTimeOffset? FirstAt, long MaxMessages, TimeSpan MaxAge);

/// <summary>
/// Reads the task history stream (<c>TT_HISTORY</c>, docs/protocol.md §7c) for the dashboard: a range of sequences with one
/// ephemeral ordered consumer, a batch at a time, never more than asked for. The events' subjects hold no task id (they are
/// the live events' subjects, unchanged for <see cref="ITaskEvents"/> subscribers), so a task's events are found by reading
/// a bounded range and picking them out, not by subject.
/// </summary>
internal static class TaskHistory
{
    /// <summary>Events read per fetch.</summary>
    internal const int Batch = 1000;

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>The stream's state; null when it does not exist (no process with task events on has created it).</summary>
    public static async Task<TaskHistoryState?> ReadStateAsync(TypedTasksConnection connection, CancellationToken cancellationToken)
    {
        INatsJSStream stream;
        try
        {
            stream = await connection.JetStream.GetStreamAsync(connection.Names.HistoryStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return null;
        }

        var state = stream.Info.State;
        var config = stream.Info.Config;
        return new TaskHistoryState(
            connection.Names.HistoryStream,
            state.Messages,
            state.FirstSeq,
            state.LastSeq,
            state.Messages > 0 && DateTimeOffset.TryParse(state.FirstTs, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var first) ? first : null,
            config.MaxMsgs,
            config.MaxAge);
    }

    /// <summary>
    /// The events from sequence <paramref name="from"/> to <paramref name="to"/> (both included, clamped to what the stream
    /// holds), oldest first, with their sequences. Messages that are not events this version reads are skipped.
    /// </summary>
    public static async IAsyncEnumerable<(ulong Sequence, TaskEvent Event)> ReadAsync(
        TypedTasksConnection connection, TaskHistoryState state, ulong from, ulong to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        from = Math.Max(from, Math.Max(1, state.FirstSequence));
        to = Math.Min(to, state.LastSequence);
        if (state.Messages == 0 || from > to)
        {
            yield break;
        }

        var consumer = await connection.JetStream.CreateOrderedConsumerAsync(
            state.Stream,
            new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence, OptStartSeq = from },
            cancellationToken).ConfigureAwait(false);
        var done = false;
        while (!done)
        {
            var read = 0;
            var remaining = to - from + 1;
            await foreach (var message in consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = (int)Math.Min((ulong)Batch, remaining) }, RawSerializer, cancellationToken).ConfigureAwait(false))
            {
                read++;
                var metadata = message.Metadata!.Value;
                var sequence = metadata.Sequence.Stream;
                if (sequence > to)
                {
                    done = true;
                    break;
                }

                from = sequence + 1;
                if (Read(message.Data) is { } taskEvent)
                {
                    yield return (sequence, taskEvent);
                }

                if (sequence == to || metadata.NumPending == 0)
                {
                    done = true;
                    break;
                }
            }

            // An empty fetch: the rest was dropped (age, count) while this read.
            done |= read == 0 || from > to;
        }
    }

    /// <summary>One stored event, or null when it is not one this version reads (bounded: the stream refuses bigger messages).</summary>
    internal static TaskEvent? Read(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty || data.Length > TypedTasksConnection.MaxEventBytes)
        {
            return null;
        }

        try
        {
            var taskEvent = JsonSerializer.Deserialize(data.Span, TaskEventJson.Default.TaskEvent);
            return taskEvent is { Id: { } id, TaskName: not null } && NatsNames.IsValidTaskId(id) ? taskEvent : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
