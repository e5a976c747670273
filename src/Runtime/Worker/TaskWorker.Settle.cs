using System.Buffers;
using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using TypedTasks.Backend;
using TypedTasks.Intake;
using TypedTasks.Protocol;
using TypedTasks.Telemetry;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

internal sealed partial class TaskWorker
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>Stores the outcome, then acks (never the other way round), then notifies a waiting producer.</summary>
    private async Task SettleAsync(HeldMessage held, Outcome outcome)
    {
        // The record's bytes live until the store and the notification have been sent (NATS.Net copies them then).
        var buffer = outcome.Kind is OutcomeKind.Abandon or OutcomeKind.AlreadyDone ? null : RentRecordBuffer();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    // One pass over the steps, inline (not an async layer of its own: this runs for every task).
                    switch (outcome.Kind)
                    {
                        case OutcomeKind.Abandon:
                            Log.Abandoned(_logger, outcome.TaskName, outcome.TaskId);
                            if (outcome.Task is { IgnoreResult: false } && !string.IsNullOrEmpty(outcome.TaskId))
                            {
                                // Queued again, and not a run: the next worker must not count it toward MaxDeliveries
                                // (nats-server 2.9 sometimes counts a NAK as a delivery).
                                await RecordHandBackAsync(outcome).ConfigureAwait(false);
                            }

                            await held.Message.NakAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                            break;

                        case OutcomeKind.DeadLetter:
                            Log.DeadLettered(_logger, held.Queue, outcome.TaskName, outcome.TaskId, outcome.DeadLetterReason!);
                            await PublishDeadLetterAsync(held, outcome.DeadLetterReason!).ConfigureAwait(false);
                            // The chain's and the chord's records before the task's: once the task's is final, a redelivery settles nothing more.
                            await EndChainAsync(held, outcome, TaskState.Failure).ConfigureAwait(false);
                            await EndChordAsync(held, outcome, TaskState.Failure).ConfigureAwait(false);
                            var failure = Stored(outcome, await StoreAsync(outcome, TaskState.Failure, buffer!).ConfigureAwait(false));
                            // A plain +TERM: 2.9 ignores a +TERM that carries a reason and redelivers (docs/nats.md, "+TERM with a reason").
                            await held.Message.AckTerminateAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                            await NotifyAsync(outcome, failure).ConfigureAwait(false);
                            break;

                        case OutcomeKind.HandBack:
                            await held.Message.NakAsync(delay: TimeSpan.FromSeconds(1), cancellationToken: CancellationToken.None).ConfigureAwait(false);
                            break;

                        case OutcomeKind.AlreadyDone:
                            Log.DuplicateOutcome(_logger, outcome.TaskId!);
                            if (outcome.Chord is not null)
                            {
                                // Its worker may have died between the member's record and the callback: the chord is checked again.
                                await SettleChordAgainAsync(held, outcome).ConfigureAwait(false);
                            }

                            await held.Message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                            // A producer that sent the id again may be waiting: it reads the record that stays.
                            await NotifyAsync(outcome, outcome.Stored).ConfigureAwait(false);
                            break;

                        case OutcomeKind.Retry:
                            Log.Retrying(_logger, outcome.TaskName!, outcome.TaskId!, outcome.Attempt + 1, outcome.NextAttemptAt!.Value, outcome.Error!.Message, outcome.TaskException);
                            // Schedule the next attempt first: once it is stored, the current message may go.
                            await ScheduleRetryAsync(held, outcome).ConfigureAwait(false);
                            Stored(outcome, await StoreAsync(outcome, TaskState.Retry, buffer!).ConfigureAwait(false));
                            await held.Message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                            break;

                        case OutcomeKind.Revoked:
                            await EndChainAsync(held, outcome, TaskState.Revoked).ConfigureAwait(false);
                            await EndChordAsync(held, outcome, TaskState.Revoked).ConfigureAwait(false);
                            var revoked = Stored(outcome, await StoreAsync(outcome, TaskState.Revoked, buffer!).ConfigureAwait(false));
                            await held.Message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                            await NotifyAsync(outcome, revoked).ConfigureAwait(false);
                            break;

                        default:
                            var state = outcome.Kind == OutcomeKind.Success ? TaskState.Success : TaskState.Failure;
                            if (state == TaskState.Success)
                            {
                                Log.Succeeded(_logger, outcome.TaskName!, outcome.TaskId!);
                            }
                            else
                            {
                                // The exception as thrown (its stack, its inner exceptions), whatever ErrorDetails keeps out of the record.
                                Log.Failed(_logger, outcome.TaskName!, outcome.TaskId!, outcome.TaskException ?? new TaskFailedException(outcome.TaskId!, outcome.TaskName!, outcome.Error!.Type, outcome.Error.Message, outcome.Error.StackTrace));
                            }

                            if (outcome.Chain is not null)
                            {
                                // The next step is sent (or the chain ended) before this step's record is final: a worker that dies in
                                // between leaves a step that runs again and sends the next one under the same message id, never a
                                // final step whose successor was not sent.
                                await (state == TaskState.Success ? ContinueChainAsync(held, outcome) : EndChainAsync(held, outcome, state)).ConfigureAwait(false);
                            }

                            if (outcome.Chord is { } chord)
                            {
                                // Likewise: the marker (and, from the last member, the callback) before the member's record is final.
                                await (state == TaskState.Success ? CompleteChordMemberAsync(held, chord, outcome.ResultJson) : EndChordAsync(held, outcome, state)).ConfigureAwait(false);
                            }

                            var stored = Stored(outcome, await StoreAsync(outcome, state, buffer!).ConfigureAwait(false));
                            await held.Message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                            await NotifyAsync(outcome, stored).ConfigureAwait(false);
                            break;
                    }

                    return;
                }
                catch (Exception ex) when (IsTransient(ex) && !_stopping && attempt < SettleTries)
                {
                    // The server is out of reach (an outage, a leader election): keep the outcome and store it as soon as
                    // it is back, rather than hand the task back to run again. Every step is safe to repeat: the record is
                    // first-final-wins, the retry and dead letter are published with message ids.
                    Log.SettleRetrying(_logger, outcome.TaskName, outcome.TaskId, attempt, ex);
                    buffer?.ResetWrittenCount();
                    await SettleBackoffAsync(attempt).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // Never ack a task whose outcome could not be stored: it is redelivered (docs/nats.md, "A full bucket").
                    await HandBackAfterFailureAsync(held, outcome, ex).ConfigureAwait(false);
                    return;
                }
            }
        }
        finally
        {
            Release(held);
            if (buffer is not null)
            {
                ReturnRecordBuffer(buffer);
            }

            _outcomes.Release();
        }
    }

    /// <summary>How many times settling is tried while the server is out of reach (about 30 s in all).</summary>
    private const int SettleTries = 18;

    private static TimeSpan SettleBackoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(2000, 125 << Math.Min(attempt, 5)));

    /// <summary>Failures that say the server is out of reach for now, not that the outcome cannot be stored.</summary>
    private static bool IsTransient(Exception ex) => ex switch
    {
        TimeoutException or NatsNoReplyException or NatsNoRespondersException or NatsJSPublishNoResponseException => true,
        NatsJSApiException api => api.Error.Code is 503 or 504,
        NatsException when ex.GetType() == typeof(NatsException) => true,
        _ => ex.InnerException is { } inner && IsTransient(inner),
    };

    private ArrayBufferWriter<byte> RentRecordBuffer()
        => _recordBuffers.TryDequeue(out var buffer) ? buffer : new ArrayBufferWriter<byte>(512);

    private void ReturnRecordBuffer(ArrayBufferWriter<byte> buffer)
    {
        // At most MaxPendingOutcomes are out at once; one that grew for an unusually large result is dropped.
        if (buffer.Capacity <= 64 * 1024)
        {
            buffer.ResetWrittenCount();
            _recordBuffers.Enqueue(buffer);
        }
    }

    /// <summary>A success that stores nothing (IgnoreResult, no result backend, no id) needs no store and no notification;
    /// a step of a chain always goes through the settle, which sends the next step.</summary>
    private bool NeedsNoStore(Outcome outcome)
        => outcome.Kind == OutcomeKind.Success && outcome.Chain is null && outcome.Chord is null
           && (outcome.Task is { IgnoreResult: true } || string.IsNullOrEmpty(outcome.TaskId) || !_connection.Options.ResultBackend.Enabled);

    /// <summary>
    /// A step of a chain succeeded: send the next step, with this step's result as its first argument, to its queue under
    /// the message id <c>&lt;chain id&gt;-&lt;next step&gt;</c> (two settles of this step store it once within the duplicate
    /// window; after it, the next step's own record keeps it from running twice) — or, after the last step, store the
    /// chain's SUCCESS with this result. A revoked chain sends nothing more.
    /// </summary>
    private async Task ContinueChainAsync(HeldMessage held, Outcome outcome)
    {
        var chain = outcome.Chain!;
        // The chain's record too, not only the revocations this worker has seen: a client's revoke stores REVOKED there
        // before it returns, so a chain revoked while this step ran sends nothing more however late the watch is.
        if (_revocations.IsRevoked(chain.Id)
            || (await _results.GetEntryAsync(chain.Id, CancellationToken.None).ConfigureAwait(false))?.Record.State.IsFinal() == true)
        {
            var next = chain.IsLast ? null : chain.Next[0].Task;
            var error = new TaskError(typeof(TaskRevokedException).FullName!, $"The chain was revoked; step {chain.Step + 1} was not sent.", null);
            await FinishChainAsync(chain, TaskState.Revoked, default, error, chain.IsLast ? null : chain.Step + 1, next, held).ConfigureAwait(false);
            return;
        }

        if (chain.IsLast)
        {
            await FinishChainAsync(chain, TaskState.Success, outcome.ResultJson, null, null, null, held).ConfigureAwait(false);
            return;
        }

        var step = chain.Next[0];
        var plan = chain.Advance();
        var header = plan.ToHeader();
        var body = ChainPlan.NextBody(step, outcome.ResultJson);
        var stepId = ChainPlan.StepId(chain.Id, plan.Step);
        if (_connection.Nats.ServerInfo?.MaxPayload is { } maxPayload && body.Length + header.Length + 1024 > maxPayload)
        {
            var error = new TaskError(typeof(TypedTasksException).FullName!, $"The result of step {chain.Step} ({body.Length} bytes with the next step's arguments) does not fit in a message to step {plan.Step} (the server's max payload is {maxPayload} bytes); return a reference (an id, a URL) instead of the data.", null);
            await FinishChainAsync(chain, TaskState.Failure, default, error, plan.Step, step.Task, held).ConfigureAwait(false);
            return;
        }

        // The step is sent here, not by a client: this worker tells it, as a client would (a settle repeated after a crash
        // finds the step stored already and tells nothing).
        await SendWorkflowTaskAsync(held, step, stepId, body, $"step {plan.Step} of chain {chain.Id}", (TaskHeaders.Chain, header)).ConfigureAwait(false);
        Log.ChainStepSent(_logger, chain.Id, plan.Step, step.Task, stepId);
    }

    /// <summary>A step of a chain ended without success (failed, dead-lettered, revoked): the chain ends with it, its record
    /// naming the step. Nothing is sent after it.</summary>
    private async Task EndChainAsync(HeldMessage held, Outcome outcome, TaskState state)
    {
        if (outcome.Chain is not { } chain)
        {
            return;
        }

        var error = outcome.ErrorFromTask ? ErrorDetailsOptions.Apply(outcome.Error!, _options.ErrorDetails.InRecords) : outcome.Error;
        await FinishChainAsync(chain, state, default, error, chain.Step, outcome.TaskName, held).ConfigureAwait(false);
    }

    /// <summary>Continues the sender's trace in a message this worker sends on a workflow's behalf (the next step, a callback).</summary>
    private static void CopyTraceContext(HeldMessage held, NatsHeaders headers)
    {
        if (held.Header(TaskTelemetry.TraceParentHeader) is { } traceParent)
        {
            headers[TaskTelemetry.TraceParentHeader] = traceParent;
            if (held.Header(TaskTelemetry.TraceStateHeader) is { } traceState)
            {
                headers[TaskTelemetry.TraceStateHeader] = traceState;
            }
        }
    }

    private async Task FinishChainAsync(ChainPlan chain, TaskState state, ReadOnlyMemory<byte> result, TaskError? error, int? failedStep, string? failedTask, HeldMessage held)
    {
        if (state == TaskState.Failure && chain.OnError is { } handler)
        {
            // Before the chain's record and the step's: a worker that dies in between leaves the step to be settled again,
            // which sends the handler again under the same message id.
            var step = failedStep ?? chain.Step;
            await SendErrorCallbackAsync(held, handler, chain.Id, new TaskFailure(ChainPlan.StepId(chain.Id, step), failedTask ?? "(unknown task)", error?.Type ?? typeof(TypedTasksException).FullName!, error?.Message ?? string.Empty)).ConfigureAwait(false);
        }

        await _results.FinishChainAsync(chain.Id, chain.Steps, state, result, error, failedStep, failedTask, _workerId, CancellationToken.None).ConfigureAwait(false);
        Log.ChainEnded(_logger, chain.Id, state.ToWireName(), failedStep ?? chain.Step, failedTask ?? "its last step");
    }

    /// <summary>The settle of <see cref="NeedsNoStore"/> outcomes, run in the slot: ack and release.</summary>
    private async ValueTask AckWithoutStoreAsync(HeldMessage held, Outcome outcome)
    {
        try
        {
            Log.Succeeded(_logger, outcome.TaskName!, outcome.TaskId!);
            await held.Message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await HandBackAfterFailureAsync(held, outcome, ex).ConfigureAwait(false);
        }
        finally
        {
            Release(held);
        }
    }

    /// <summary>
    /// Settling failed: log it and hand the task back after a pause (a NAK with delay), never ack it. Bounded: a message the
    /// broker has delivered <see cref="SettleGiveUpDeliveries"/> times and that still cannot be settled (its record cannot
    /// be written, its dead letter cannot be published) is dead-lettered if it can be and terminated either way, so it
    /// never loops. Counted by the broker, not in the record that cannot be written.
    /// </summary>
    private async ValueTask HandBackAfterFailureAsync(HeldMessage held, Outcome outcome, Exception error)
    {
        Log.SettleFailed(_logger, outcome.TaskName, outcome.TaskId, error);
        try
        {
            if (held.Deliveries >= SettleGiveUpDeliveries)
            {
                await GiveUpAsync(held, outcome, error).ConfigureAwait(false);
                return;
            }

            await held.Message.NakAsync(delay: TimeSpan.FromSeconds(1), cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception nakError)
        {
            Log.NakFailed(_logger, nakError);
        }
    }

    /// <summary>Deliveries after which a message that cannot be settled is terminated (runs and failed settles alike).</summary>
    private ulong SettleGiveUpDeliveries => (ulong)Math.Max(1, _options.MaxDeliveries) + 2;

    private async ValueTask GiveUpAsync(HeldMessage held, Outcome outcome, Exception error)
    {
        var reason = $"Could not be settled after {held.Deliveries} deliveries ({WireText.Bound(error.GetType().Name + ": " + error.Message)}); terminated so that it does not loop.";
        TaskTelemetry.RecordGiveUp(held.Queue);
        Log.GaveUp(_logger, held.Queue, outcome.TaskName, outcome.TaskId, reason);
        try
        {
            await PublishDeadLetterAsync(held, reason).ConfigureAwait(false);
        }
        catch (Exception deadError)
        {
            Log.DeadLetterFailed(_logger, outcome.TaskId, deadError);
        }

        // A plain +TERM: 2.9 ignores a +TERM that carries a reason and redelivers (docs/nats.md).
        await held.Message.AckTerminateAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Writes the outcome's record, first final writer wins (not an async layer of its own: this is on every task's
    /// path); the caller passes what it awaited to <see cref="Stored"/> for the bytes now stored (to notify), or empty.</summary>
    private ValueTask<RecordWrite> StoreAsync(Outcome outcome, TaskState state, ArrayBufferWriter<byte> buffer)
    {
        if (outcome.Task is { IgnoreResult: true } || string.IsNullOrEmpty(outcome.TaskId))
        {
            return default;
        }

        // The log has the full error (above); the record what ErrorDetails allows.
        var error = outcome.ErrorFromTask ? ErrorDetailsOptions.Apply(outcome.Error!, _options.ErrorDetails.InRecords) : outcome.Error;
        return _results.StoreOutcomeAsync(RunOf(outcome), state, outcome.ResultJson, error, outcome.NextAttemptAt, outcome.StartedRevision, buffer, CancellationToken.None);
    }

    /// <summary>The bytes a store left in the record: the outcome's, or a final record from an earlier delivery (logged: first writer wins).</summary>
    private ReadOnlyMemory<byte> Stored(Outcome outcome, RecordWrite write)
    {
        if (write.Revision is null && !write.Stored.IsEmpty)
        {
            Log.DuplicateOutcome(_logger, outcome.TaskId!);
        }

        return write.Stored;
    }

    private TaskRun RunOf(Outcome outcome) => new(outcome.TaskId!, outcome.TaskName ?? string.Empty, outcome.Attempt, outcome.Reruns, _workerId, outcome.StartedAt);

    /// <summary>Publishes the next attempt to the schedule stream (same id, attempt + 1, due at NextAttemptAt).</summary>
    private async Task ScheduleRetryAsync(HeldMessage held, Outcome outcome)
    {
        var headers = new NatsHeaders();
        if (held.Message.Headers is { } original)
        {
            foreach (var (key, value) in original)
            {
                // The next attempt finds the RETRY record itself; the PENDING record's revision is stale by then. A copy is
                // not fresh: its first delivery reads the record.
                if (!key.StartsWith("Nats-", StringComparison.OrdinalIgnoreCase) && key != TaskHeaders.RecordRevision && key != TaskHeaders.FreshId)
                {
                    headers[key] = value;
                }
            }
        }

        // The copy goes under another Nats-Msg-Id: it names its task itself (the original may have left that to its own).
        headers[TaskHeaders.Id] = outcome.TaskId!;
        var next = (outcome.Attempt + 1).ToString(CultureInfo.InvariantCulture);
        headers[TaskHeaders.Attempt] = next;
        var subject = TaskSchedule.Address(_connection.Names, _connection.NativeScheduling, held.Queue, outcome.TaskId!, outcome.NextAttemptAt!.Value, headers);
        var ack = await _connection.JetStream.PublishAsync(
            subject,
            held.Body,
            RawSerializer,
            new NatsJSPubOpts { MsgId = outcome.TaskId + ":" + next },
            headers,
            CancellationToken.None).ConfigureAwait(false);
        if (ack.Error is { } error)
        {
            throw new TypedTasksException($"Could not schedule attempt {next} of task {outcome.TaskId}: {error.ErrCode} {error.Description}.");
        }
    }

    /// <summary>Stores PENDING for a task handed back on shutdown, with the runs before this one; never over a final record.</summary>
    private async Task RecordHandBackAsync(Outcome outcome)
    {
        try
        {
            await _results.MarkHandedBackAsync(RunOf(outcome), outcome.StartedRevision, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsKVException or NatsException or TypedTasksException)
        {
            // Best effort: at worst the next worker counts the hand-back as a run.
            Log.RecordWriteFailed(_logger, outcome.TaskId, ex);
        }
    }

    private async Task NotifyAsync(Outcome outcome, ReadOnlyMemory<byte> record)
    {
        if (!record.IsEmpty && outcome.Reply is { } reply)
        {
            // To the subject as the intake accepted it: the producer's token, if any, is part of it (docs/protocol.md §6).
            await _connection.Nats.PublishAsync(reply, record, serializer: RawSerializer, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes the message to the dead letters with the reason, keeping as much of it as the server's limits allow.</summary>
    private async Task PublishDeadLetterAsync(HeldMessage held, string reason)
    {
        var sequence = held.Message.Metadata?.Sequence.Stream;
        var original = held.Body;
        ReadOnlyMemory<byte> rawHeaders = default;
        string? bodyProblem = null;
        if (held.Message.Headers?.Error is { } unreadable)
        {
            // An unreadable header block: NATS.Net delivered no body. The stored original, read back by sequence
            // (STREAM.MSG.GET answers with the raw header block and the data, base64 in JSON), is the evidence.
            (original, rawHeaders, bodyProblem) = await ReadStoredOriginalAsync(sequence).ConfigureAwait(false);
            if (rawHeaders.IsEmpty && unreadable is NatsHeaderParseException parse)
            {
                rawHeaders = parse.RawData;
            }
        }

        var (headers, body) = DeadLetterEnvelope.Build(held.Message.Headers, original, reason, held.Message.Subject, sequence, _connection.Nats.ServerInfo?.MaxPayload, rawHeaders, bodyProblem);
        // Deduplicated by the original's sequence: a dead letter published again (a retried settle) is stored once.
        var ack = await _connection.JetStream.PublishAsync(
            _connection.Names.DeadSubject(held.Queue),
            body,
            RawSerializer,
            sequence is { } seq ? new NatsJSPubOpts { MsgId = "dead:" + held.Queue + ":" + seq.ToString(CultureInfo.InvariantCulture) } : null,
            headers: headers,
            cancellationToken: CancellationToken.None).ConfigureAwait(false);
        ack.EnsureSuccess();
    }

    /// <summary>The original message as the task stream stores it: body and raw header block, or why it cannot be read.</summary>
    private async Task<(ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> RawHeaders, string? Problem)> ReadStoredOriginalAsync(ulong? sequence)
    {
        if (sequence is not { } seq)
        {
            return (default, default, "not delivered with a stream sequence; NATS.Net gave no body");
        }

        try
        {
            var stream = await _connection.JetStream.GetStreamAsync(_connection.Names.TasksStream, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            var (body, raw) = await StoredOriginal.ReadAsync(stream, seq, CancellationToken.None).ConfigureAwait(false);
            return (body, raw, null);
        }
        catch (Exception ex) when (ex is NatsException or FormatException or TimeoutException or OperationCanceledException)
        {
            return (default, default, $"could not be read back from stream sequence {seq}: {ex.Message}");
        }
    }
}
