using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using TypedTasks.Backend;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Telemetry;
using TypedTasks.Topology;

namespace TypedTasks;

/// <summary>Sends tasks to the NATS JetStream broker and hands out handles backed by the KV result store.</summary>
internal sealed class TaskClient : TaskClientBase
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private const int HeaderCapacity = 7;

    private readonly TypedTasksConnection _connection;
    private readonly NatsResultBackend _results;

    public TaskClient(TypedTasksConnection connection, NatsResultBackend results)
        : base(results)
    {
        _connection = connection;
        _results = results;
    }

    protected override ValueTask<string> SendAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options, CancellationToken cancellationToken)
        => SendAsync(task, arguments, options, workflow: default, notify: true, cancellationToken);

    /// <summary>
    /// Sends as <see cref="ITaskClient.EnqueueAsync{TArguments}"/> does, but asks for no result notification: no
    /// <c>TT-Reply</c>, nothing subscribed. For a sender that does not wait here, or waits by watching the task's record
    /// (<c>tt send</c>: the operator role may not subscribe to result notifications, docs/security/nats-server.conf). What
    /// the result backend records is the same: the PENDING record, then the worker's outcome.
    /// </summary>
    internal ValueTask<string> SendWithoutNotificationAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options, CancellationToken cancellationToken)
        where TArguments : ITaskArguments
        => SendAsync(task, arguments, options, workflow: default, notify: false, cancellationToken);

    protected override async ValueTask SendChainAsync(TaskCall first, ChainPlan plan, string header, CancellationToken cancellationToken)
        => await SendAsync(first.Task, new RawTaskArguments(first.ArgumentsJson), new TaskOptions { TaskId = ChainPlan.StepId(plan.Id, 0) }, (TaskHeaders.Chain, header), notify: true, cancellationToken).ConfigureAwait(false);

    protected override async ValueTask SendChordAsync(IReadOnlyList<TaskCall> members, string groupId, ChainStep callback, bool batch, ChainStep? onError, CancellationToken cancellationToken)
    {
        // The markers' stream, before any member can finish.
        await _connection.EnsureChordsStreamAsync(cancellationToken).ConfigureAwait(false);
        await SendMembersAsync(
            members.Count,
            async (index, ct) =>
            {
                var call = members[index];
                var plan = ChordPlan.Member(groupId, index, members.Count, callback, batch, onError);
                await SendAsync(call.Task, new RawTaskArguments(call.ArgumentsJson), new TaskOptions { TaskId = plan.MemberId }, (TaskHeaders.Chord, plan.ToHeader()), notify: true, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a task, or with <paramref name="workflow"/> (a <c>TT-Chain</c> or <c>TT-Chord</c> header) a step of a
    /// chain or a member of a chord, which notify nobody: their handles watch the workflow's record. Without
    /// <paramref name="notify"/>, no notification is asked for either.</summary>
    private async ValueTask<string> SendAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options, (string Name, string Value)? workflow, bool notify, CancellationToken cancellationToken)
        where TArguments : ITaskArguments
    {
        ArgumentNullException.ThrowIfNull(task);
        var queue = options?.Queue ?? task.Queue;
        if (!NatsNames.IsValidQueue(queue))
        {
            throw new ArgumentException($"The queue name '{queue}' is not valid: use letters, digits, '-' and '_'.", nameof(options));
        }

        var id = options?.TaskId ?? RandomIds.NewTaskId();
        if (!NatsNames.IsValidTaskId(id))
        {
            throw new ArgumentException($"The task id '{id}' is not valid: use 1 to 128 letters, digits, '-' and '_'.", nameof(options));
        }

        // Sized for what a send carries (protocol, task, id when due later, reply, fresh id, trace context): one array, no
        // regrowth. No TT-Id on a task sent straight to its queue: its Nats-Msg-Id is the id (docs/protocol.md §2).
        var headers = new NatsHeaders(HeaderCapacity)
        {
            [TaskHeaders.Protocol] = TaskHeaders.ProtocolVersionText,
            [TaskHeaders.Task] = task.Name,
        };
        // A chain's steps and a chord's members notify nobody: the workflow's handle watches its own record.
        var expected = _connection.Options.ResultBackend.Enabled && !task.IgnoreResult && workflow is null && notify;
        string? reply = null;
        if (expected)
        {
            // The wait trusts the record a notification on this subject carries (docs/protocol.md §6).
            reply = ResultReply.NewSubject(_connection.ResultsSubject);
            headers[TaskHeaders.Reply] = reply;
        }

        if (workflow is var (header, plan))
        {
            headers[header] = plan;
        }

        var now = DateTimeOffset.UtcNow;
        var eta = options?.Countdown is { } countdown ? now + countdown : options?.Eta;
        var expires = options?.Expires ?? (task.Expires is { } expiresAfter ? now + expiresAfter : null);
        if (expires is { } notAfter)
        {
            headers[TaskHeaders.Expires] = notAfter.ToString("O", CultureInfo.InvariantCulture);
        }

        if (options?.MaxRetries is { } maxRetries)
        {
            headers[TaskHeaders.MaxRetries] = maxRetries.ToString(CultureInfo.InvariantCulture);
        }

        // The send span (when someone listens) and the trace context the worker's span continues (docs/observability.md).
        using var activity = TaskTelemetry.StartSend(task.Name, queue, id);
        TaskTelemetry.Inject(headers);
        var buffer = ArgumentsBuffer.Rent();
        try
        {
            buffer.Write(arguments);
            await _connection.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
            // A task due later waits as a schedule, not in its queue (docs/lifecycle.md); it keeps TT-Id, since what moves it
            // to its queue when due publishes it under another Nats-Msg-Id (the server's own schedules drop that header).
            string subject;
            if (eta is { } due && due > now)
            {
                headers[TaskHeaders.Id] = id;
                subject = TaskSchedule.Address(_connection.Names, _connection.NativeScheduling, queue, id, due, headers);
            }
            else
            {
                subject = _connection.Names.TaskSubject(queue);
            }

            if (options?.TaskId is null && workflow is null && (eta is not { } later || later <= now) && FreshId.Of(_connection.Nats.ServerInfo) is { } server)
            {
                // An id made here and sent once, straight to its queue: the worker may skip reading its record (docs/protocol.md §2).
                headers[TaskHeaders.FreshId] = server;
            }

            if (_connection.Options.ResultBackend.RecordPending && !task.IgnoreResult
                && await _results.MarkPendingAsync(id, task.Name, now, cancellationToken).ConfigureAwait(false) is { } revision)
            {
                // The worker's outcome replaces this record with one compare-and-set.
                headers[TaskHeaders.RecordRevision] = revision.ToString(CultureInfo.InvariantCulture);
            }

            if (expected)
            {
                // Before the publish: the result may be back before this method returns.
                await _results.ExpectAsync(id, reply, cancellationToken).ConfigureAwait(false);
            }

            var ack = await _connection.JetStream.PublishAsync(
                subject,
                buffer.WrittenMemory,
                RawSerializer,
                new NatsJSPubOpts { MsgId = id },
                headers,
                cancellationToken).ConfigureAwait(false);
            // A duplicate (same id within the duplicate window) is stored already: that is success.
            if (ack.Error is { } error)
            {
                throw Rejected(task, id, queue, error, null);
            }

            expected = false;
            TaskTelemetry.RecordSent(task.Name, queue);
            if (_connection.Options.SendTaskEvents)
            {
                await TaskEventPublisher.PublishAsync(_connection, TaskEventPublisher.Sent(_connection, id, task.Name, queue, buffer.WrittenMemory.Span, DateTimeOffset.UtcNow)).ConfigureAwait(false);
            }

            return id;
        }
        catch (Exception ex) when (TaskTelemetry.Failed(activity, ex))
        {
            // Never taken: the filter only marks the span failed.
            throw;
        }
        catch (NatsJSApiException ex)
        {
            throw Rejected(task, id, queue, ex.Error, ex);
        }
        catch (NatsPayloadTooLargeException ex)
        {
            throw new TaskEnqueueException(task.Name, id, $"The arguments of task '{task.Name}' exceed the server's max payload; pass a reference (an id or a URL) instead of the data.", ex);
        }
        catch (NatsNoRespondersException ex)
        {
            throw new TaskEnqueueException(task.Name, id, $"No JetStream stream accepts subject '{_connection.Names.TaskSubject(queue)}': is nats-server running with JetStream (-js), and was the stream created (TypedTasks:CreateInfrastructure)?", ex);
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or NatsJSPublishNoResponseException)
        {
            throw new TaskEnqueueException(task.Name, id, NatsFailure.NotEnqueued(task.Name, id, ex, _connection, now), ex);
        }
        finally
        {
            ArgumentsBuffer.Return(buffer);
            if (expected)
            {
                _results.Unexpect(id);
            }
        }
    }

    private static TaskEnqueueException Rejected(TaskDefinition task, string id, string queue, NATS.Client.JetStream.Models.ApiError error, Exception? inner)
        => error.ErrCode is 10077 or 10078 or 10047
            ? new TaskEnqueueException(task.Name, id, $"Queue '{queue}' is full ({error.Description}); the task was not stored. Drain the queue or raise TypedTasks:Broker:MaxMessages / MaxBytes.", inner)
            : new TaskEnqueueException(task.Name, id, $"The broker rejected task '{task.Name}' ({error.ErrCode}: {error.Description}); the task was not stored.", inner);
}
