using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Protocol;
using TypedTasks.Telemetry;
using TypedTasks.Topology;

namespace TypedTasks.Client;

/// <summary>What a scan found on one queue: the sequences of stored messages at or below its consumer's ack floor.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="AckFloor">The stream sequence of the consumer's ack floor when it was read.</param>
/// <param name="Sequences">The leftovers' stream sequences, ascending, at most the scan's limit.</param>
/// <param name="More">Whether the scan stopped at its limit with more leftovers after the last one.</param>
internal sealed record QueueLeftovers(string Queue, ulong AckFloor, IReadOnlyList<ulong> Sequences, bool More);

/// <summary>
/// Finds and removes acknowledged messages that nats-server 2.9.x keeps in the task stream after a crash
/// (docs/nats.md, "After a crash"): never redelivered, never removed, counted in the stream but not in the consumer.
/// </summary>
/// <remarks>
/// In a work-queue stream each queue's subject has one consumer, and a message at or below that consumer's ack floor
/// (<c>ack_floor.stream_seq</c>) has been acknowledged by definition: if it is still stored, it is a leftover, and
/// deleting it changes nothing a worker could see. The ack floor only grows and sequences are never reused, so a
/// floor read before the scan stays true. The walk asks the stream for the queue's next message from the stream's
/// first sequence on (<c>STREAM.MSG.GET</c> with <c>next_by_subj</c>, which needs no <c>allow_direct</c>) and stops at
/// the first one above the floor: one request per leftover and one more per queue, whatever the stream holds.
/// </remarks>
internal static class LeftoverScanner
{
    /// <summary>How many leftovers of one queue a scan collects before it stops (and says there are more).</summary>
    public const int DefaultLimit = 1_000;

    /// <summary>
    /// The leftovers among the messages of one subject: walks <paramref name="nextFrom"/> (the sequence of the
    /// subject's first message at or after a sequence, or <see langword="null"/> when there is none) from
    /// <paramref name="firstSequence"/> and keeps every sequence at or below <paramref name="ackFloor"/>, up to
    /// <paramref name="limit"/>.
    /// </summary>
    public static async Task<(List<ulong> Sequences, bool More)> FindAsync(
        ulong firstSequence,
        ulong ackFloor,
        int limit,
        Func<ulong, CancellationToken, ValueTask<ulong?>> nextFrom,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var found = new List<ulong>();
        var from = Math.Max(1, firstSequence);
        while (from <= ackFloor)
        {
            var next = await nextFrom(from, cancellationToken).ConfigureAwait(false);
            // Nothing more on the subject, a pending message (above the floor), or an answer out of order: done.
            if (next is not { } sequence || sequence > ackFloor || sequence < from)
            {
                break;
            }

            if (found.Count == limit)
            {
                return (found, true);
            }

            found.Add(sequence);
            if (sequence == ulong.MaxValue)
            {
                break;
            }

            from = sequence + 1;
        }

        return (found, false);
    }

    /// <summary>
    /// Scans every queue of the prefix that has its consumer (<c>&lt;prefix&gt;_&lt;queue&gt;</c> on
    /// <c>&lt;prefix&gt;.tasks.&lt;queue&gt;</c>), in queue order; a queue without leftovers is listed with none.
    /// Empty when the task stream does not exist.
    /// </summary>
    public static async Task<IReadOnlyList<QueueLeftovers>> ScanAsync(TypedTasksConnection connection, int limit = DefaultLimit, CancellationToken cancellationToken = default)
    {
        var names = connection.Names;
        var js = connection.JetStream;
        INatsJSStream stream;
        try
        {
            stream = await js.GetStreamAsync(names.TasksStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return [];
        }

        var state = stream.Info.State;
        var subjectPrefix = names.Prefix + ".tasks.";
        var scanned = new List<QueueLeftovers>();
        await foreach (var consumer in js.ListConsumersAsync(names.TasksStream, cancellationToken).ConfigureAwait(false))
        {
            var info = consumer.Info;
            if (info.Config.FilterSubject is not { } filter
                || !filter.StartsWith(subjectPrefix, StringComparison.Ordinal)
                || filter[subjectPrefix.Length..] is not { } queue
                || !NatsNames.IsValidQueue(queue)
                || !string.Equals(info.Name, names.ConsumerName(queue), StringComparison.Ordinal)
                || info.Config.AckPolicy != ConsumerConfigAckPolicy.Explicit)
            {
                // Not a queue's consumer as the worker creates it: its ack floor says nothing about a queue.
                continue;
            }

            var floor = info.AckFloor?.StreamSeq ?? 0;
            if (state.Messages == 0 || floor < state.FirstSeq)
            {
                // Nothing stored at or below the floor.
                scanned.Add(new QueueLeftovers(queue, floor, [], false));
                continue;
            }

            var (sequences, more) = await FindAsync(state.FirstSeq, floor, limit, (from, token) => NextAsync(stream, filter, from, token), cancellationToken).ConfigureAwait(false);
            scanned.Add(new QueueLeftovers(queue, floor, sequences, more));
        }

        scanned.Sort((a, b) => string.CompareOrdinal(a.Queue, b.Queue));
        return scanned;
    }

    /// <summary>
    /// Deletes what a scan found; returns how many this call deleted (one already gone — another worker or <c>tt</c>
    /// swept it — is not counted) and counts them in <see cref="TypedTasksTelemetry.LeftoversRemovedCounter"/>.
    /// </summary>
    public static async Task<int> RemoveAsync(TypedTasksConnection connection, QueueLeftovers found, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        foreach (var sequence in found.Sequences)
        {
            if (sequence > found.AckFloor)
            {
                // Never: FindAsync keeps only sequences at or below the floor. A pending task must never be deleted.
                throw new InvalidOperationException($"Sequence {sequence} is above the ack floor {found.AckFloor} of queue '{found.Queue}'.");
            }

            try
            {
                // NoErase: the message was acknowledged; overwriting it on disk only costs time.
                var response = await connection.JetStream.DeleteMessageAsync(connection.Names.TasksStream, new StreamMsgDeleteRequest { Seq = sequence, NoErase = true }, cancellationToken).ConfigureAwait(false);
                if (response.Success)
                {
                    removed++;
                }
            }
            catch (NatsJSApiException ex) when (IsNoMessage(ex.Error))
            {
                // Already removed.
            }
        }

        TaskTelemetry.RecordLeftoversRemoved(found.Queue, removed);
        return removed;
    }

    private static async ValueTask<ulong?> NextAsync(INatsJSStream stream, string subject, ulong from, CancellationToken cancellationToken)
    {
        try
        {
            var response = await stream.GetAsync(new StreamMsgGetRequest { Seq = from, NextBySubj = subject }, cancellationToken).ConfigureAwait(false);
            return response.Message.Seq;
        }
        catch (NatsJSApiException ex) when (IsNoMessage(ex.Error))
        {
            return null;
        }
    }

    /// <summary>The message is not there: "no message found" (404, 10037) on a get; "sequence N not found" (400, 10043) on a
    /// delete of a message already deleted (nats-server 2.9.10; checked by <c>LeftoverTests</c>).</summary>
    private static bool IsNoMessage(ApiError error) => error.Code == 404 || error.ErrCode is 10037 or 10043;
}
