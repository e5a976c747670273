using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Client;

/// <summary>One queue's numbers, as <c>tt queues</c> and the dashboard show them.</summary>
/// <param name="Queue">The queue name.</param>
/// <param name="Stored">Messages of the queue stored in the task stream (waiting, held, and leftovers).</param>
/// <param name="Waiting">Not yet delivered (the consumer's <c>num_pending</c>); null without a consumer.</param>
/// <param name="Held">Delivered and not yet acknowledged: running or prefetched (<c>num_ack_pending</c>); null without a consumer.</param>
/// <param name="Leftovers">Stored, neither waiting nor held (acknowledged messages nats-server 2.9.x keeps after a
/// crash); null without a consumer.</param>
/// <param name="Consumer">The queue's durable consumer, shared by every worker of the queue; null when no worker has served it.</param>
/// <param name="PullsWaiting">Pull requests from workers waiting on the consumer (<c>num_waiting</c>); null without a consumer.</param>
internal sealed record QueueDepth(string Queue, long Stored, long? Waiting, long? Held, long? Leftovers, string? Consumer, long? PullsWaiting);

/// <summary>Every queue's numbers and what waits for a countdown, ETA or retry, read at one moment.</summary>
/// <param name="Queues">The queues, by name: those with stored tasks and those with a consumer.</param>
/// <param name="WaitingStream">The stream where tasks due later wait.</param>
/// <param name="NativeScheduling">Whether that stream uses the server's scheduled delivery (2.12+).</param>
/// <param name="DueLater">Tasks due later; null when the stream does not exist yet.</param>
/// <param name="DeadLetters">Messages in the dead-letter stream; null when it does not exist yet.</param>
internal sealed record QueueSnapshot(IReadOnlyList<QueueDepth> Queues, string WaitingStream, bool NativeScheduling, long? DueLater, long? DeadLetters);

/// <summary>One page of dead letters, oldest first.</summary>
/// <param name="Letters">At most the page size, from the first sequence asked for on.</param>
/// <param name="NextSequence">The sequence the next page starts at; null when this page reached the end.</param>
/// <param name="Total">Dead letters in the stream when the page was read.</param>
internal sealed record DeadLetterPage(IReadOnlyList<DeadLetter> Letters, ulong? NextSequence, long Total);

/// <summary>
/// The read side that <c>tt</c> and the dashboard share, so that a figure reads the same in both (issue 13): queue depth
/// and what waits, one page of dead letters. Workers come from <see cref="IWorkerInspector"/> and task records from the
/// result backend, as everywhere else. Every read is bounded: stream and consumer infos, and at most a page of messages.
/// </summary>
internal static class DeploymentQueries
{
    /// <summary>The most dead letters one page reads.</summary>
    public const int MaxPageSize = 500;

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>Every queue's stored, waiting and held tasks, read from the task stream's per-subject counts and each
    /// queue's consumer (never from the stream's message count alone: docs/nats.md), and the tasks due later.</summary>
    public static async Task<QueueSnapshot> ReadQueuesAsync(TypedTasksConnection connection, CancellationToken cancellationToken)
    {
        await connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var names = connection.Names;
        var js = connection.JetStream;
        var tasks = await js.GetStreamAsync(names.TasksStream, new StreamInfoRequest { SubjectsFilter = names.TaskSubject("*") }, cancellationToken).ConfigureAwait(false);
        var stored = tasks.Info.State.Subjects ?? new Dictionary<string, long>();
        var consumers = new Dictionary<string, ConsumerInfo>(StringComparer.Ordinal);
        await foreach (var consumer in js.ListConsumersAsync(names.TasksStream, cancellationToken).ConfigureAwait(false))
        {
            if (consumer.Info.Config.FilterSubject is { } filter)
            {
                consumers[filter] = consumer.Info;
            }
        }

        var queuePrefix = names.Prefix + ".tasks.";
        var queues = new List<QueueDepth>();
        foreach (var subject in stored.Keys.Union(consumers.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!subject.StartsWith(queuePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            consumers.TryGetValue(subject, out var info);
            stored.TryGetValue(subject, out var count);
            // Acknowledged messages kept below a queue's ack floor (nats-server 2.9.x after a crash) are stored and neither
            // waiting nor held: counted from the numbers above, without reading the tasks (the monitor and operator roles may
            // not). Exact at rest; while tasks flow, tasks sent or acked between the two reads can show too.
            long? leftovers = info is null ? null : Math.Max(0, count - (long)info.NumPending - info.NumAckPending);
            queues.Add(new QueueDepth(subject[queuePrefix.Length..], count, (long?)info?.NumPending, info?.NumAckPending, leftovers, info?.Name, info?.NumWaiting));
        }

        return new QueueSnapshot(
            queues,
            connection.WaitingStream,
            connection.NativeScheduling,
            await CountAsync(js, connection.WaitingStream, cancellationToken).ConfigureAwait(false),
            await CountAsync(js, names.DeadStream, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Up to <paramref name="pageSize"/> dead letters from stream sequence <paramref name="fromSequence"/> on, oldest
    /// first: one ephemeral ordered consumer started at that sequence, one fetch. Never more than a page is read, however
    /// many dead letters there are.
    /// </summary>
    public static async Task<DeadLetterPage> ReadDeadLettersAsync(TypedTasksConnection connection, ulong fromSequence, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var stream = await connection.JetStream.GetStreamAsync(connection.Names.DeadStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var state = stream.Info.State;
        var total = state.Messages;
        if (total == 0 || fromSequence > state.LastSeq)
        {
            return new DeadLetterPage([], null, total);
        }

        var consumer = await connection.JetStream.CreateOrderedConsumerAsync(
            connection.Names.DeadStream,
            new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence, OptStartSeq = Math.Max(1, fromSequence) },
            cancellationToken).ConfigureAwait(false);
        var letters = new List<DeadLetter>(pageSize);
        ulong? next = null;
        // One more than the page, to know whether another page follows.
        await foreach (var message in consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = pageSize + 1 }, RawSerializer, cancellationToken).ConfigureAwait(false))
        {
            var sequence = message.Metadata!.Value.Sequence.Stream;
            if (letters.Count == pageSize)
            {
                next = sequence;
                break;
            }

            letters.Add(NatsDeadLetters.ToDeadLetter(connection.Names, sequence, message.Subject, message.Headers, message.Data));
            if (message.Metadata.Value.NumPending == 0)
            {
                break;
            }
        }

        return new DeadLetterPage(letters, next, total);
    }

    private static async Task<long?> CountAsync(INatsJSContext js, string stream, CancellationToken cancellationToken)
    {
        try
        {
            var info = await js.GetStreamAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return info.Info.State.Messages;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return null;
        }
    }
}
