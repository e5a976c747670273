using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
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
/// <param name="Delivered">Deliveries the consumer has made, redeliveries included (<c>delivered.consumer_seq</c>); null
/// without a consumer. A counter for <see cref="QueueRates"/>.</param>
/// <param name="OldestWaitingSince">When the oldest task still waiting for a worker (never delivered) was stored; null when
/// none waits or it could not be read (<see cref="QueueSnapshot.OldestUnreadable"/>).</param>
internal sealed record QueueDepth(
    string Queue,
    long Stored,
    long? Waiting,
    long? Held,
    long? Leftovers,
    string? Consumer,
    long? PullsWaiting,
    ulong? Delivered = null,
    DateTimeOffset? OldestWaitingSince = null);

/// <summary>Every queue's numbers and what waits for a countdown, ETA or retry, read at one moment.</summary>
/// <param name="Queues">The queues, by name: those with stored tasks and those with a consumer.</param>
/// <param name="WaitingStream">The stream where tasks due later wait.</param>
/// <param name="NativeScheduling">Whether that stream uses the server's scheduled delivery (2.12+).</param>
/// <param name="DueLater">Tasks due later; null when the stream does not exist yet.</param>
/// <param name="DeadLetters">Messages in the dead-letter stream; null when it does not exist yet.</param>
/// <param name="ReadAt">When the queues' counts and consumer infos were read: the time <see cref="QueueRates"/> divides by.</param>
/// <param name="OldestUnreadable">Whether the oldest waiting tasks could not be read (no right to
/// <c>$JS.API.STREAM.MSG.GET</c> on the task stream, or no answer in time): every <see cref="QueueDepth.OldestWaitingSince"/> is null.</param>
internal sealed record QueueSnapshot(
    IReadOnlyList<QueueDepth> Queues,
    string WaitingStream,
    bool NativeScheduling,
    long? DueLater,
    long? DeadLetters,
    DateTimeOffset ReadAt = default,
    bool OldestUnreadable = false);

/// <summary>One page of dead letters, oldest first.</summary>
/// <param name="Letters">At most the page size, from the first sequence asked for on.</param>
/// <param name="NextSequence">The sequence the next page starts at; null when this page reached the end.</param>
/// <param name="Total">Dead letters in the stream when the page was read.</param>
internal sealed record DeadLetterPage(IReadOnlyList<DeadLetter> Letters, ulong? NextSequence, long Total);

/// <summary>One task due later (a countdown, an ETA, or a retry's next attempt), as it waits in the waiting stream.</summary>
/// <param name="Sequence">Its sequence in the waiting stream.</param>
/// <param name="TaskId">The task id (<c>TT-Id</c>); null when the message has none.</param>
/// <param name="TaskName">The task name (<c>TT-Task</c>); null when the message has none.</param>
/// <param name="Queue">The queue it goes to when due (<c>TT-Queue</c>, else from the subject).</param>
/// <param name="DueAt">When it is due (<c>TT-Eta</c>); null when the header is missing or not a time.</param>
/// <param name="Attempt">The attempt it will be (<c>TT-Attempt</c>, 1 when absent): above 1, a retry.</param>
/// <param name="StoredAt">When the server stored it: when it was sent, or when the retry was scheduled.</param>
internal sealed record DueTask(ulong Sequence, string? TaskId, string? TaskName, string Queue, DateTimeOffset? DueAt, int Attempt, DateTimeOffset StoredAt);

/// <summary>One page of tasks due later, in stream order (the order they were stored, not their due time).</summary>
/// <param name="Tasks">At most the page size, from the first sequence asked for on.</param>
/// <param name="NextSequence">The sequence the next page starts at; null when this page reached the end.</param>
/// <param name="Total">Messages in the waiting stream when the page was read (0 when it does not exist).</param>
/// <param name="Stream">The waiting stream read.</param>
/// <param name="NativeScheduling">Whether that stream uses the server's scheduled delivery (2.12+).</param>
internal sealed record DueTaskPage(IReadOnlyList<DueTask> Tasks, ulong? NextSequence, long Total, string Stream, bool NativeScheduling);

/// <summary>One periodic schedule as its record in the schedules bucket holds it, and its next occurrence.</summary>
/// <param name="Record">The record: definition, last occurrence, removed or not.</param>
/// <param name="Next">The next occurrence after the read; null when removed, when it never fires again, or when this
/// machine cannot read the definition (a time zone its OS does not know).</param>
internal sealed record PeriodicScheduleView(ScheduleRecord Record, DateTimeOffset? Next);

/// <summary>The periodic schedules, by name.</summary>
/// <param name="Schedules">At most the limit asked for, sorted by name.</param>
/// <param name="BucketExists">Whether the schedules bucket exists (a worker with periodic tasks has started, or
/// <see cref="IPeriodicSchedules"/> was used).</param>
/// <param name="More">Whether the bucket holds more schedules than were read.</param>
internal sealed record PeriodicSchedulesView(IReadOnlyList<PeriodicScheduleView> Schedules, bool BucketExists, bool More);

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

    /// <summary>How long all the oldest-waiting reads of one snapshot may take together. A role without the right to read
    /// the task stream's messages gets no answer at all (NATS drops a request it may not publish), so this bounds the wait.</summary>
    internal static readonly TimeSpan OldestReadTimeout = TimeSpan.FromSeconds(2);

    /// <summary>After the oldest-waiting reads failed on a connection, how long its snapshots skip them.</summary>
    internal static readonly TimeSpan OldestRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>Per connection, until when (UTC ticks) the oldest-waiting reads are skipped (they failed: no right, no answer).</summary>
    private static readonly ConditionalWeakTable<TypedTasksConnection, StrongBox<long>> OldestSkippedUntil = new();

    /// <summary>Every queue's stored, waiting and held tasks, read from the task stream's per-subject counts and each
    /// queue's consumer (never from the stream's message count alone: docs/nats.md), the oldest waiting task's store time
    /// (one message get per queue with tasks waiting), and the tasks due later.</summary>
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

        var readAt = DateTimeOffset.UtcNow;
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
            queues.Add(new QueueDepth(subject[queuePrefix.Length..], count, (long?)info?.NumPending, info?.NumAckPending, leftovers, info?.Name, info?.NumWaiting, info?.Delivered.ConsumerSeq));
        }

        var unreadable = false;
        var skip = OldestSkippedUntil.GetOrCreateValue(connection);
        if (DateTimeOffset.UtcNow.UtcTicks < Interlocked.Read(ref skip.Value))
        {
            unreadable = true;
        }
        else
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(OldestReadTimeout);
            try
            {
                // A refused get ends at once (the server says so on the connection) rather than after the timeout.
                await connection.ServerErrors.GuardAsync(
                    violation => IsOldestReadRefused(violation, names.TasksStream),
                    async token =>
                    {
                        for (var i = 0; i < queues.Count; i++)
                        {
                            if (await ReadOldestWaitingAsync(tasks, queuePrefix, queues[i], consumers.GetValueOrDefault(queuePrefix + queues[i].Queue), token).ConfigureAwait(false) is { } since)
                            {
                                queues[i] = queues[i] with { OldestWaitingSince = since };
                            }
                        }
                    },
                    bounded.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is OperationCanceledException or NatsJSException or NatsException or TimeoutException)
            {
                // No right to read the task stream's messages (the request is dropped and never answered) or no answer in
                // time: the ages are unknown, and later snapshots on this connection skip the reads for a while.
                unreadable = true;
                Interlocked.Exchange(ref skip.Value, (DateTimeOffset.UtcNow + OldestRetryAfter).UtcTicks);
                for (var i = 0; i < queues.Count; i++)
                {
                    queues[i] = queues[i] with { OldestWaitingSince = null };
                }
            }
        }

        return new QueueSnapshot(
            queues,
            connection.WaitingStream,
            connection.NativeScheduling,
            await CountAsync(js, connection.WaitingStream, cancellationToken).ConfigureAwait(false),
            await CountAsync(js, names.DeadStream, cancellationToken).ConfigureAwait(false),
            readAt,
            unreadable);
    }

    /// <summary>Whether <paramref name="violation"/> is the server refusing the oldest-waiting read (<c>STREAM.MSG.GET</c> on the
    /// task stream): <see cref="ReadQueuesAsync"/> handles it (no ages), so a caller that ends on any refusal should not.</summary>
    internal static bool IsOldestReadRefused(NatsServerErrors.Violation violation, string tasksStream)
        => violation.IsPublish && violation.Subject.EndsWith("STREAM.MSG.GET." + tasksStream, StringComparison.Ordinal);

    /// <summary>
    /// When the oldest task of <paramref name="queue"/> that no worker has received yet was stored: one message get, the
    /// queue's next message at or after the consumer's last delivered stream sequence plus one (<c>next_by_subj</c>), or from
    /// the stream's start when no consumer exists (nothing was delivered). Only when tasks wait; null when none does.
    /// </summary>
    private static async Task<DateTimeOffset?> ReadOldestWaitingAsync(INatsJSStream tasks, string queuePrefix, QueueDepth queue, ConsumerInfo? consumer, CancellationToken cancellationToken)
    {
        var waiting = consumer is null ? queue.Stored : (long)consumer.NumPending;
        if (waiting <= 0)
        {
            return null;
        }

        var from = consumer is null ? Math.Max(1, tasks.Info.State.FirstSeq) : consumer.Delivered.StreamSeq + 1;
        try
        {
            var response = await tasks.GetAsync(new StreamMsgGetRequest { Seq = from, NextBySubj = queuePrefix + queue.Queue }, cancellationToken).ConfigureAwait(false);
            return response.Message.Time;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404 || ex.Error.ErrCode == 10037)
        {
            return null; // taken between the consumer info and the get
        }
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

    /// <summary>
    /// Up to <paramref name="pageSize"/> tasks due later from sequence <paramref name="fromSequence"/> on, in the waiting
    /// stream the connection uses (<see cref="TypedTasksConnection.WaitingStream"/>): one message get per task (the next
    /// message at or after a sequence, <c>next_by_subj</c>), at most a page plus one. Read by get rather than by a consumer
    /// because the delayed stream is a work queue, where a second consumer on its subjects is refused.
    /// </summary>
    public static async Task<DueTaskPage> ReadDueLaterAsync(TypedTasksConnection connection, ulong fromSequence, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var names = connection.Names;
        var streamName = connection.WaitingStream;
        var native = connection.NativeScheduling;
        INatsJSStream stream;
        try
        {
            stream = await connection.JetStream.GetStreamAsync(streamName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return new DueTaskPage([], null, 0, streamName, native);
        }

        var state = stream.Info.State;
        var tasks = new List<DueTask>();
        ulong? next = null;
        var cursor = Math.Max(1, fromSequence);
        var wildcard = native ? names.DelayedWildcard : names.ScheduleWildcard;
        var subjectPrefix = native ? names.Prefix + ".delayed." : names.Prefix + ".scheduled.";
        while (state.Messages > 0 && cursor <= state.LastSeq)
        {
            StreamMsgGetResponse response;
            try
            {
                response = await stream.GetAsync(new StreamMsgGetRequest { Seq = cursor, NextBySubj = wildcard }, cancellationToken).ConfigureAwait(false);
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404 || ex.Error.ErrCode == 10037)
            {
                break; // nothing from here on
            }

            var message = response.Message;
            if (tasks.Count == pageSize)
            {
                // One more than the page, to know whether another page follows.
                next = message.Seq;
                break;
            }

            tasks.Add(ToDueTask(message, subjectPrefix));
            cursor = message.Seq + 1;
        }

        return new DueTaskPage(tasks, next, state.Messages, streamName, native);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> periodic schedules from the schedules bucket, sorted by name, with their next
    /// occurrence: one ephemeral ordered consumer on the bucket's stream (one message per key: the bucket keeps no
    /// history), one fetch of the limit plus one, from the stream's start. A bucket that does not exist yet is no error: no schedules.
    /// </summary>
    public static async Task<PeriodicSchedulesView> ReadPeriodicSchedulesAsync(TypedTasksConnection connection, int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, MaxPageSize);
        var bucketStream = "KV_" + connection.Names.SchedulesBucket;
        if (!await connection.StreamExistsAsync(bucketStream, cancellationToken).ConfigureAwait(false))
        {
            return new PeriodicSchedulesView([], false, false);
        }

        var consumer = await connection.JetStream.CreateOrderedConsumerAsync(
            bucketStream,
            // The bucket keeps one message per key (History 1), so every message is a key's latest; no filter, which
            // nats-server 2.9 needs for last-per-subject (and takes only as filter_subject, which NATS.Net does not send).
            new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.All },
            cancellationToken).ConfigureAwait(false);
        var schedules = new List<PeriodicScheduleView>();
        var more = false;
        var read = 0;
        await foreach (var message in consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = limit + 1 }, RawSerializer, cancellationToken).ConfigureAwait(false))
        {
            if (++read > limit)
            {
                more = true;
                break;
            }

            // A deleted or purged key holds a marker (KV-Operation: DEL or PURGE) and no record.
            if (message.Headers?.ContainsKey("KV-Operation") != true && ScheduleRecord.Read(message.Data.Span) is { } record)
            {
                schedules.Add(new PeriodicScheduleView(record, record.Removed ? null : NextOccurrence(record, now)));
            }

            if (message.Metadata?.NumPending == 0)
            {
                break;
            }
        }

        schedules.Sort((a, b) => string.CompareOrdinal(a.Record.Name, b.Record.Name));
        return new PeriodicSchedulesView(schedules, true, more);
    }

    /// <summary>The next occurrence after <paramref name="now"/> as the record defines it, or null when this machine
    /// cannot read the definition (a time zone its OS does not know) or it never fires again.</summary>
    public static DateTimeOffset? NextOccurrence(ScheduleRecord record, DateTimeOffset now)
    {
        try
        {
            var every = record.Every is { } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : (TimeSpan?)null;
            return PeriodicTiming.Create(record.Cron, every, record.Cron is null ? null : record.TimeZone).Next(now);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            return null;
        }
    }

    internal static DueTask ToDueTask(StoredMessage message, string subjectPrefix)
    {
        var headers = ParseHeaders(message.Hdrs);
        var subject = message.Subject ?? string.Empty;
        var queue = headers.GetValueOrDefault(TaskHeaders.Queue);
        if (string.IsNullOrEmpty(queue))
        {
            // tt.scheduled.<queue>, tt.delayed.<queue>.<id> (a schedule) or tt.delayed.<queue> (released, being forwarded).
            var rest = subject.StartsWith(subjectPrefix, StringComparison.Ordinal) ? subject[subjectPrefix.Length..] : subject;
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            queue = dot < 0 ? rest : rest[..dot];
        }

        DateTimeOffset? due = DateTimeOffset.TryParse(headers.GetValueOrDefault(TaskHeaders.Eta), CultureInfo.InvariantCulture, DateTimeStyles.None, out var eta) ? eta : null;
        var attempt = int.TryParse(headers.GetValueOrDefault(TaskHeaders.Attempt), NumberStyles.None, CultureInfo.InvariantCulture, out var a) && a > 0 ? a : 1;
        return new DueTask(message.Seq, headers.GetValueOrDefault(TaskHeaders.Id), headers.GetValueOrDefault(TaskHeaders.Task), queue, due, attempt, message.Time);
    }

    /// <summary>The header block of a message read by <c>STREAM.MSG.GET</c> (base64 of <c>NATS/1.0\r\nName: value\r\n…</c>):
    /// the first value of each name. Enough to show a message; never used to act on it.</summary>
    private static Dictionary<string, string> ParseHeaders(string? base64)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(base64))
        {
            return headers;
        }

        string block;
        try
        {
            block = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return headers;
        }

        foreach (var line in block.Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        return headers;
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
