using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using TypedTasks.Backend;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

/// <summary>
/// Moves due tasks from the schedule stream to their queues. Tasks with a countdown or ETA and retries wait in the
/// schedule stream, not in a worker: they hold no slot, no prefetch and no worker memory beyond a 16-byte index
/// entry in the one elected mover, and they survive restarts of workers and servers.
/// </summary>
/// <remarks>
/// Every worker runs a mover; one holds the lease (a KV key created with create-new-key semantics in the locks
/// bucket, whose MaxAge is the lease time and which the holder renews by compare-and-set; its revision is the
/// fencing epoch). The leader reads the schedule stream into an index of (due time, sequence), and for each due
/// entry publishes the message to its queue with <c>Nats-Msg-Id = id:attempt</c> (so a move repeated after a crash
/// or by a deposed leader within the duplicate window is dropped by the broker), then deletes it from the schedule
/// stream. See <c>docs/lifecycle.md</c>.
/// With native scheduled delivery (nats-server 2.12+) new tasks never come here; the mover then runs only while a
/// schedule stream left from before the server upgrade exists, to deliver what still waits in it.
/// </remarks>
internal sealed partial class ScheduleMover : BackgroundService
{
    internal static readonly TimeSpan LeaseTime = TypedTasksConnection.LeaseTime;
    private const string LeaseKey = "schedule-mover";
    private const int MaxMovesAtOnce = 64;

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    private readonly TypedTasksConnection _connection;
    private readonly NatsResultBackend _results;
    private readonly ILogger<ScheduleMover> _logger;
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public ScheduleMover(TypedTasksConnection connection, NatsResultBackend results, ILogger<ScheduleMover> logger)
    {
        _connection = connection;
        _results = results;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _connection.EnsureInfrastructureAsync(stoppingToken).ConfigureAwait(false);
                if (_connection.NativeScheduling && !await _connection.StreamExistsAsync(_connection.Names.ScheduleStream, stoppingToken).ConfigureAwait(false))
                {
                    // Look again later: a process on an older version (or set to ScheduleStream) may create it.
                    await Task.Delay(TimeSpan.FromSeconds(30), stoppingToken).ConfigureAwait(false);
                    continue;
                }

                var locks = await _connection.KeyValue.GetStoreAsync(_connection.Names.LocksBucket, stoppingToken).ConfigureAwait(false);
                var acquired = await locks.TryCreateAsync(LeaseKey, Encode(_owner), RawSerializer, stoppingToken).ConfigureAwait(false);
                if (!acquired.Success)
                {
                    // Someone holds the lease; it lapses LeaseTime after its holder's last renewal.
                    await Task.Delay(LeaseTime / 3, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                Log.Leading(_logger, _owner, acquired.Value);
                using var leadership = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var renewing = RenewAsync(locks, acquired.Value, leadership);
                try
                {
                    await MoveAsync(leadership.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (leadership.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                {
                    Log.LeaseLost(_logger, _owner);
                }
                finally
                {
                    leadership.Cancel();
                    var revision = await renewing.ConfigureAwait(false);
                    if (stoppingToken.IsCancellationRequested && revision is { } last)
                    {
                        // Hand the lease over at once on a clean stop.
                        await locks.TryDeleteAsync(LeaseKey, new NatsKVDeleteOpts { Revision = last }, CancellationToken.None).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.MoverFailed(_logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Renews the lease every third of its time; cancels the leadership when a renewal fails.</summary>
    private async Task<ulong?> RenewAsync(INatsKVStore locks, ulong revision, CancellationTokenSource leadership)
    {
        ulong? current = revision;
        try
        {
            while (!leadership.IsCancellationRequested)
            {
                await Task.Delay(LeaseTime / 3, leadership.Token).ConfigureAwait(false);
                var renewed = await locks.TryUpdateAsync(LeaseKey, Encode(_owner), current.Value, RawSerializer, leadership.Token).ConfigureAwait(false);
                if (!renewed.Success)
                {
                    current = null;
                    leadership.Cancel();
                    break;
                }

                current = renewed.Value;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            Log.MoverFailed(_logger, ex);
            current = null;
            leadership.Cancel();
        }

        return current;
    }

    private async Task MoveAsync(CancellationToken cancellationToken)
    {
        var js = _connection.JetStream;
        var stream = await js.GetStreamAsync(_connection.Names.ScheduleStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var index = new PriorityQueue<ulong, DateTimeOffset>();
        var wake = new SemaphoreSlim(0);
        var gate = new object();

        // Read the whole schedule (headers only matter), then keep following it.
        var consumer = await js.CreateOrderedConsumerAsync(_connection.Names.ScheduleStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var reading = Task.Run(
            async () =>
            {
                await foreach (var message in consumer.ConsumeAsync(RawSerializer, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    // A message that can never be moved (a bad TT-Queue or TT-Eta) is due now: dead-lettered at once, not
                    // when its ETA comes.
                    var due = message.Headers is { } headers && TaskSchedule.Problem(headers, QueueOf(headers, message.Subject)) is null
                        ? TaskSchedule.Eta(headers) ?? DateTimeOffset.MinValue
                        : DateTimeOffset.MinValue;
                    lock (gate)
                    {
                        index.Enqueue(message.Metadata!.Value.Sequence.Stream, due);
                    }

                    wake.Release();
                }
            },
            cancellationToken);

        var due = new List<ulong>(MaxMovesAtOnce);
        var moves = new List<Task>(MaxMovesAtOnce);
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            lock (gate)
            {
                // Take every entry due now (up to a batch), or learn how long until the earliest is.
                wait = Timeout.InfiniteTimeSpan;
                var now = DateTimeOffset.UtcNow;
                while (due.Count < MaxMovesAtOnce && index.TryPeek(out var sequence, out var at))
                {
                    if (at > now)
                    {
                        wait = at - now;
                        break;
                    }

                    index.Dequeue();
                    due.Add(sequence);
                }
            }

            if (due.Count == 0)
            {
                // Sleep until the earliest entry is due, or until a new entry arrives (it may be earlier).
                var sleep = wait == Timeout.InfiniteTimeSpan || wait > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : wait;
                await wake.WaitAsync(sleep, cancellationToken).ConfigureAwait(false);
                if (reading.IsFaulted)
                {
                    await reading.ConfigureAwait(false);
                }

                continue;
            }

            // A burst of due tasks moves many at a time: each move is three round trips (get, publish, delete).
            foreach (var sequence in due)
            {
                moves.Add(MoveOneAsync(stream, sequence, cancellationToken));
            }

            try
            {
                await Task.WhenAll(moves).ConfigureAwait(false);
            }
            finally
            {
                due.Clear();
                moves.Clear();
            }
        }
    }

    private async Task MoveOneAsync(INatsJSStream stream, ulong sequence, CancellationToken cancellationToken)
    {
        NatsMsg<ReadOnlyMemory<byte>> message;
        try
        {
            message = await stream.GetDirectAsync(new StreamMsgGetRequest { Seq = sequence }, RawSerializer, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return; // moved already (by an earlier leader) and deleted
        }

        if (message.Headers is not { } headers || message.Headers.Code == 404)
        {
            return;
        }

        // A direct get answers on an inbox; the message's own subject is in Nats-Subject.
        var scheduledSubject = headers.TryGetValue("Nats-Subject", out var subject) ? subject.ToString() : string.Empty;
        var queue = QueueOf(headers, scheduledSubject);
        var body = message.Data;
        ReadOnlyMemory<byte> rawHeaders = default;
        string? problem = TaskSchedule.Problem(headers, queue);
        if (headers.Error is { } unreadable)
        {
            // NATS.Net could not parse the stored header block and gave no body: never moved (the body would be lost);
            // dead-lettered with the original read back as the server stores it (STREAM.MSG.GET: base64 data and block).
            problem = "The scheduled message's header block cannot be read (" + WireText.Bound(unreadable.InnerException?.Message ?? unreadable.Message) + "): it must start with NATS/1.0 and hold one 'Name: value' per line.";
            (body, rawHeaders) = await StoredOriginal.ReadAsync(stream, sequence, cancellationToken).ConfigureAwait(false);
        }

        if (problem is not null)
        {
            // Never moved, never retried: dead-lettered once (to its queue's dead letters when the queue is valid) and removed.
            var deadQueue = queue is { Length: <= 64 } && NatsNames.IsValidQueue(queue) ? queue : UnschedulableQueue;
            var (deadHeaders, deadBody) = DeadLetterEnvelope.Build(headers, body, problem, scheduledSubject, sequence, _connection.Nats.ServerInfo?.MaxPayload, rawHeaders);
            // Deduplicated by the scheduled message's sequence: a mover that dies before the delete below and one that takes
            // over store one dead letter.
            var dead = await _connection.JetStream.PublishAsync(
                _connection.Names.DeadSubject(deadQueue),
                deadBody,
                RawSerializer,
                new NatsJSPubOpts { MsgId = "dead-scheduled:" + deadQueue + ":" + sequence.ToString(CultureInfo.InvariantCulture) },
                deadHeaders,
                cancellationToken).ConfigureAwait(false);
            dead.EnsureSuccess();
            Log.Unschedulable(_logger, sequence, problem);
            await RecordFailureAsync(headers, problem, cancellationToken).ConfigureAwait(false);
            await stream.DeleteMessageAsync(new StreamMsgDeleteRequest { Seq = sequence, NoErase = true }, cancellationToken).ConfigureAwait(false);
            return;
        }

        var forward = TaskSchedule.DueHeaders(headers);
        var messageId = TaskSchedule.DueMessageId(headers, sequence.ToString(CultureInfo.InvariantCulture));
        var ack = await _connection.JetStream.PublishAsync(
            _connection.Names.TaskSubject(queue!),
            message.Data,
            RawSerializer,
            new NatsJSPubOpts { MsgId = messageId },
            forward,
            cancellationToken).ConfigureAwait(false);
        if (ack.Error is { } error)
        {
            throw new TypedTasksException($"Moving scheduled task {messageId} to queue '{queue}' failed: {error.ErrCode} {error.Description}.");
        }

        await stream.DeleteMessageAsync(new StreamMsgDeleteRequest { Seq = sequence, NoErase = true }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A dead-lettered scheduled message with a usable id gets a FAILURE record with the reason, as a refused task message
    /// does (docs/protocol.md §7), so that <c>tt status</c> and a waiting handle say why it never ran. First final writer
    /// wins: a record that is final already stays.
    /// </summary>
    private async Task RecordFailureAsync(NatsHeaders headers, string problem, CancellationToken cancellationToken)
    {
        if (!_results.Enabled || headers.Error is not null
            || !headers.TryGetValue(TaskHeaders.Id, out var idValue) || idValue.ToString() is not { } id || !NatsNames.IsValidTaskId(id))
        {
            return;
        }

        var name = headers.TryGetValue(TaskHeaders.Task, out var task) ? WireText.Bound(task.ToString()) : string.Empty;
        var attempt = headers.TryGetValue(TaskHeaders.Attempt, out var attemptText) && int.TryParse(attemptText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 1 and <= 10_000 ? parsed : 1;
        var error = new TaskError(typeof(TypedTasksException).FullName!, problem, null);
        try
        {
            await _results.StoreOutcomeAsync(new TaskRun(id, name, attempt, 0, _owner, null), TaskState.Failure, default, error, null, null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (TypedTasksException ex)
        {
            // The dead letter is the evidence; a record that cannot be written must not keep the message in the schedule.
            Log.RecordFailed(_logger, id, ex);
        }
    }

    /// <summary>The queue a scheduled message goes to: its <c>TT-Queue</c>, else the last token of its subject.</summary>
    private string? QueueOf(NatsHeaders headers, string scheduledSubject)
        => headers.TryGetValue(TaskHeaders.Queue, out var q) ? q.ToString()
            : scheduledSubject.Length > _connection.Names.Prefix.Length + ".scheduled.".Length ? scheduledSubject[(_connection.Names.Prefix.Length + ".scheduled.".Length)..]
            : null;

    /// <summary>The dead-letter queue of scheduled messages that name no valid queue.</summary>
    internal const string UnschedulableQueue = "_unschedulable";

    private static ReadOnlyMemory<byte> Encode(string value) => System.Text.Encoding.UTF8.GetBytes(value);

    private static partial class Log
    {
        [LoggerMessage(303, LogLevel.Error, "Scheduled message {Sequence} cannot be moved and was dead-lettered: {Reason}")]
        public static partial void Unschedulable(ILogger logger, ulong sequence, string reason);

        [LoggerMessage(300, LogLevel.Information, "Schedule mover {Owner} holds the lease (epoch {Epoch})")]
        public static partial void Leading(ILogger logger, string owner, ulong epoch);

        [LoggerMessage(301, LogLevel.Warning, "Schedule mover {Owner} lost its lease")]
        public static partial void LeaseLost(ILogger logger, string owner);

        [LoggerMessage(302, LogLevel.Warning, "Schedule mover failed; retrying")]
        public static partial void MoverFailed(ILogger logger, Exception exception);

        [LoggerMessage(304, LogLevel.Warning, "Could not store the FAILURE record of dead-lettered scheduled task {TaskId}")]
        public static partial void RecordFailed(ILogger logger, string taskId, Exception exception);
    }
}
