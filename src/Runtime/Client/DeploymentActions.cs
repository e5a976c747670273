using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Client;

/// <summary>Dead letters per queue in the dead-letter stream, read at one moment.</summary>
/// <param name="Total">Dead letters in the stream.</param>
/// <param name="ByQueue">Per queue that has any, by name.</param>
internal sealed record DeadLetterCounts(long Total, IReadOnlyList<(string Queue, long Count)> ByQueue);

/// <summary>
/// What <c>tt</c> and the dashboard share beyond the reads of <see cref="DeploymentQueries"/>: purging a queue (one
/// implementation for <c>tt purge &lt;queue&gt;</c> and the dashboard's action), and the dead letters of one queue (a
/// page and the counts per queue) for the dashboard's filter.
/// </summary>
internal static partial class DeploymentActions
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>
    /// Deletes every task stored for <paramref name="queue"/> in the task stream (Celery's purge): waiting ones, those
    /// held by workers (a running task finishes; its acknowledgement finds nothing) and leftovers. Tasks due later are
    /// not touched: they reach the queue when due. Needs <c>$JS.API.STREAM.PURGE.TT_TASKS</c> (the operator role).
    /// </summary>
    /// <returns>How many messages were deleted.</returns>
    /// <exception cref="ArgumentException">The name is not a queue name.</exception>
    public static async Task<long> PurgeQueueAsync(TypedTasksConnection connection, string queue, CancellationToken cancellationToken)
    {
        if (!NatsNames.IsValidQueue(queue))
        {
            throw new ArgumentException($"'{queue}' is not a queue name: letters, digits, '-' and '_'.");
        }

        await connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var purged = await connection.JetStream.PurgeStreamAsync(
            connection.Names.TasksStream,
            new StreamPurgeRequest { Filter = connection.Names.TaskSubject(queue) },
            cancellationToken).ConfigureAwait(false);
        return purged.Purged;
    }

    /// <summary>The dead letters per queue: one stream info with per-subject counts.</summary>
    public static async Task<DeadLetterCounts> CountDeadLettersAsync(TypedTasksConnection connection, CancellationToken cancellationToken)
    {
        await connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var names = connection.Names;
        var stream = await connection.JetStream.GetStreamAsync(names.DeadStream, new StreamInfoRequest { SubjectsFilter = names.DeadWildcard }, cancellationToken).ConfigureAwait(false);
        var deadPrefix = names.Prefix + ".dead.";
        var byQueue = (stream.Info.State.Subjects ?? new Dictionary<string, long>())
            .Where(s => s.Key.StartsWith(deadPrefix, StringComparison.Ordinal) && s.Value > 0)
            .Select(s => (Queue: s.Key[deadPrefix.Length..], Count: s.Value))
            .OrderBy(s => s.Queue, StringComparer.Ordinal)
            .ToList();
        return new DeadLetterCounts(stream.Info.State.Messages, byQueue);
    }

    /// <summary>
    /// Up to <paramref name="pageSize"/> dead letters of <paramref name="queue"/> from stream sequence
    /// <paramref name="fromSequence"/> on, oldest first: one ephemeral consumer filtered on the queue's dead-letter subject
    /// (the single <c>FilterSubject</c>, which nats-server 2.9 honours), one fetch of a page plus one, then the consumer is
    /// deleted. <see cref="DeadLetterPage.Total"/> is the queue's count.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a queue name.</exception>
    public static async Task<DeadLetterPage> ReadDeadLettersAsync(TypedTasksConnection connection, string queue, ulong fromSequence, int pageSize, CancellationToken cancellationToken)
    {
        if (!NatsNames.IsValidQueue(queue))
        {
            throw new ArgumentException($"'{queue}' is not a queue name: letters, digits, '-' and '_'.");
        }

        pageSize = Math.Clamp(pageSize, 1, DeploymentQueries.MaxPageSize);
        await connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var names = connection.Names;
        var subject = names.DeadSubject(queue);
        var js = connection.JetStream;
        var stream = await js.GetStreamAsync(names.DeadStream, new StreamInfoRequest { SubjectsFilter = subject }, cancellationToken).ConfigureAwait(false);
        var total = stream.Info.State.Subjects is { } subjects && subjects.TryGetValue(subject, out var count) ? count : 0;
        if (total == 0 || fromSequence > stream.Info.State.LastSeq)
        {
            return new DeadLetterPage([], null, total);
        }

        var consumer = await js.CreateOrUpdateConsumerAsync(
            names.DeadStream,
            new ConsumerConfig
            {
                // Named, so that the create request's subject carries the filter as nats-server 2.9 checks it.
                Name = "tt_page_" + Guid.NewGuid().ToString("N"),
                FilterSubject = subject,
                DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
                OptStartSeq = Math.Max(1, fromSequence),
                AckPolicy = ConsumerConfigAckPolicy.None,
                InactiveThreshold = TimeSpan.FromMinutes(1),
                MemStorage = true,
                NumReplicas = 1,
            },
            cancellationToken).ConfigureAwait(false);
        var letters = new List<DeadLetter>(pageSize);
        ulong? next = null;
        try
        {
            await foreach (var message in consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = pageSize + 1 }, RawSerializer, cancellationToken).ConfigureAwait(false))
            {
                var sequence = message.Metadata!.Value.Sequence.Stream;
                if (letters.Count == pageSize)
                {
                    next = sequence;
                    break;
                }

                letters.Add(NatsDeadLetters.ToDeadLetter(names, sequence, message.Subject, message.Headers, message.Data));
                if (message.Metadata.Value.NumPending == 0)
                {
                    break;
                }
            }
        }
        finally
        {
            try
            {
                await js.DeleteConsumerAsync(names.DeadStream, consumer.Info.Name, CancellationToken.None).ConfigureAwait(false);
            }
            catch (NatsJSException)
            {
                // It goes away on its own after the inactive threshold.
            }
        }

        return new DeadLetterPage(letters, next, total);
    }
}
