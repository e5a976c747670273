using System.Globalization;
using System.Runtime.CompilerServices;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Backend;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Client;

/// <summary>The dead-letter queue on the dead-letter stream (<c>TT_DEAD</c>, subjects <c>tt.dead.&lt;queue&gt;</c>).</summary>
internal sealed class NatsDeadLetters : IDeadLetters
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    private readonly TypedTasksConnection _connection;
    private readonly NatsResultBackend _results;

    public NatsDeadLetters(TypedTasksConnection connection, NatsResultBackend results)
    {
        _results = results;
        _connection = connection;
    }

    public async IAsyncEnumerable<DeadLetter> ListAsync(string? queue = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = Filter(queue);
        var stream = await GetStreamAsync(cancellationToken).ConfigureAwait(false);
        if (stream.Info.State.Messages == 0)
        {
            yield break;
        }

        // Filtered here, not by the consumer: 2.9 ignores the ordered consumer's FilterSubjects (docs/nats.md, "FilterSubjects on 2.9").
        var consumer = await _connection.JetStream.CreateOrderedConsumerAsync(_connection.Names.DeadStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var only = queue is null ? null : filter;

        // Read what is there now; an empty filter result ends at once through NoWait.
        while (true)
        {
            var any = false;
            await foreach (var message in consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = 256 }, RawSerializer, cancellationToken).ConfigureAwait(false))
            {
                any = true;
                var metadata = message.Metadata!.Value;
                if (only is null || string.Equals(message.Subject, only, StringComparison.Ordinal))
                {
                    yield return ToDeadLetter(_connection.Names, metadata.Sequence.Stream, message.Subject, message.Headers, message.Data);
                }

                if (metadata.NumPending == 0)
                {
                    yield break;
                }
            }

            if (!any)
            {
                yield break;
            }
        }
    }

    public async ValueTask<bool> RequeueAsync(ulong sequence, CancellationToken cancellationToken = default)
    {
        var stream = await GetStreamAsync(cancellationToken).ConfigureAwait(false);
        NatsMsg<ReadOnlyMemory<byte>> message;
        try
        {
            message = await stream.GetDirectAsync(new StreamMsgGetRequest { Seq = sequence }, RawSerializer, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return false;
        }

        if (message.Headers is not { } headers || headers.Code == 404)
        {
            return false;
        }

        // A direct get answers on an inbox; the message's own subject is in Nats-Subject.
        var subject = headers.TryGetValue("Nats-Subject", out var original) ? original.ToString() : message.Subject;
        var letter = ToDeadLetter(_connection.Names, sequence, subject, headers, message.Data);
        var forward = new NatsHeaders();
        foreach (var (key, value) in headers)
        {
            if (!key.StartsWith("TT-Dead-", StringComparison.OrdinalIgnoreCase) && !key.StartsWith("Nats-", StringComparison.OrdinalIgnoreCase))
            {
                forward[key] = value;
            }
        }

        // The FAILURE record would keep the new outcome out (first writer wins): clear it first.
        if (letter.TaskId is { Length: > 0 } id && _results.Enabled)
        {
            await _results.ForgetAsync(id, cancellationToken).ConfigureAwait(false);
        }

        var ack = await _connection.JetStream.PublishAsync(
            _connection.Names.TaskSubject(letter.Queue),
            message.Data,
            RawSerializer,
            new NatsJSPubOpts { MsgId = (letter.TaskId ?? "dead") + ":requeue:" + sequence.ToString(CultureInfo.InvariantCulture) },
            forward,
            cancellationToken).ConfigureAwait(false);
        if (ack.Error is { } error)
        {
            throw new TypedTasksException($"Requeueing dead letter {sequence} to queue '{letter.Queue}' failed: {error.ErrCode} {error.Description}.");
        }

        await stream.DeleteMessageAsync(new StreamMsgDeleteRequest { Seq = sequence, NoErase = true }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async ValueTask<int> RequeueAllAsync(string? queue = null, CancellationToken cancellationToken = default)
    {
        var sequences = new List<ulong>();
        await foreach (var letter in ListAsync(queue, cancellationToken).ConfigureAwait(false))
        {
            sequences.Add(letter.Sequence);
        }

        var requeued = 0;
        foreach (var sequence in sequences)
        {
            if (await RequeueAsync(sequence, cancellationToken).ConfigureAwait(false))
            {
                requeued++;
            }
        }

        return requeued;
    }

    public async ValueTask<long> PurgeAsync(string? queue = null, CancellationToken cancellationToken = default)
    {
        var stream = await GetStreamAsync(cancellationToken).ConfigureAwait(false);
        var purged = await stream.PurgeAsync(new StreamPurgeRequest { Filter = Filter(queue) }, cancellationToken).ConfigureAwait(false);
        return (long)purged.Purged;
    }

    private string Filter(string? queue)
    {
        if (queue is null)
        {
            return _connection.Names.DeadWildcard;
        }

        if (!NatsNames.IsValidQueue(queue))
        {
            throw new ArgumentException($"The queue name '{queue}' is not valid: use letters, digits, '-' and '_'.", nameof(queue));
        }

        return _connection.Names.DeadSubject(queue);
    }

    private async ValueTask<INatsJSStream> GetStreamAsync(CancellationToken cancellationToken)
    {
        await _connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        return await _connection.JetStream.GetStreamAsync(_connection.Names.DeadStream, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A dead letter as stored in the dead-letter stream; shared with <see cref="DeploymentQueries"/>.</summary>
    internal static DeadLetter ToDeadLetter(NatsNames names, ulong sequence, string subject, NatsHeaders? headers, ReadOnlyMemory<byte> body)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (headers is not null)
        {
            foreach (var (key, value) in headers)
            {
                map[key] = value.ToString();
            }
        }

        var deadPrefix = names.Prefix + ".dead.";
        var queue = subject.StartsWith(deadPrefix, StringComparison.Ordinal) ? subject[deadPrefix.Length..] : subject;
        DateTimeOffset? deadAt = map.TryGetValue(TaskHeaders.DeadAt, out var at)
            && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) ? parsed : null;
        return new DeadLetter(
            sequence,
            queue,
            map.GetValueOrDefault(TaskHeaders.Id),
            map.GetValueOrDefault(TaskHeaders.Task),
            map.GetValueOrDefault(TaskHeaders.DeadReason) is { } reason ? WireText.FromHeader(reason) : "(no reason recorded)",
            deadAt,
            body,
            map);
    }
}
