using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Protocol;
using TypedTasks.Telemetry;

namespace TypedTasks.Worker;

/// <summary>
/// Chords and batches (docs/protocol.md §13): "the last member fires" decided from markers in the chords stream, never from a
/// worker's memory or a growing record. Each step is safe to repeat — the marker and the callback are published under message ids,
/// the callback's record is first-final-wins — so a settle retried, or a member redelivered after its worker died, completes
/// the chord once.
/// </summary>
internal sealed partial class TaskWorker
{
    /// <summary>How long reading a chord's markers may take before the settle gives up (and is retried as a whole).</summary>
    private static readonly TimeSpan ChordReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long one pull for markers waits when fewer are there than it asks for.</summary>
    private static readonly TimeSpan MarkerPullExpires = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A member ended — succeeded, or for a batch also failed: store its marker (its result, or for a batch how it ended,
    /// under the message id <c>&lt;group&gt;.&lt;index&gt;</c>); then count the group's markers (one stream-info request,
    /// whatever its size) and, when every member's is there, read them once, send the callback with the results in member
    /// order (a chord) or a <see cref="BatchResult"/> (a batch) under the message id <c>&lt;group&gt;-callback</c>, and purge
    /// them. Members that end at the same instant may both send it: the stream keeps one.
    /// </summary>
    private async Task CompleteChordMemberAsync(HeldMessage held, ChordPlan chord, ReadOnlyMemory<byte> result, bool failed = false)
    {
        await _connection.EnsureChordsStreamAsync(CancellationToken.None).ConfigureAwait(false);
        var subject = _connection.Names.ChordSubject(chord.Group);
        var headers = new NatsHeaders { [TaskHeaders.ChordIndex] = chord.Index.ToString(CultureInfo.InvariantCulture) };
        if (failed)
        {
            headers[TaskHeaders.ChordOutcome] = "failed";
        }

        var marker = await _connection.JetStream.PublishAsync(
            subject,
            chord.Batch ? ReadOnlyMemory<byte>.Empty : result.IsEmpty ? (ReadOnlyMemory<byte>)"null"u8.ToArray() : result,
            RawSerializer,
            new NatsJSPubOpts { MsgId = chord.MarkerId },
            headers,
            CancellationToken.None).ConfigureAwait(false);
        if (marker.Error is { } markerError)
        {
            throw new TypedTasksException($"Could not store the marker of member {chord.Index} of {chord.Group}: {markerError.ErrCode} {markerError.Description}.");
        }

        var stream = await _connection.JetStream.GetStreamAsync(_connection.Names.ChordsStream, new StreamInfoRequest { SubjectsFilter = subject }, CancellationToken.None).ConfigureAwait(false);
        var count = stream.Info.State.Subjects is { } subjects && subjects.TryGetValue(subject, out var n) ? n : 0;
        if (count < chord.Members)
        {
            return;
        }

        if (await ReadChordMarkersAsync(stream, subject, chord).ConfigureAwait(false) is not var (results, failures))
        {
            return;
        }

        var body = chord.Batch ? chord.BatchCallbackBody(failures) : chord.CallbackBody(results);
        if (_connection.Nats.ServerInfo?.MaxPayload is { } maxPayload && body.Length + 1024 > maxPayload)
        {
            var error = new TaskError(typeof(TypedTasksException).FullName!, $"The {chord.Members} results of {chord.Group} take {body.Length} bytes with the callback's arguments, more than a message to the callback can carry (the server's max payload is {maxPayload} bytes); return references (ids, URLs) instead of the data.", null);
            await _results.EndUnsentAsync(chord.CallbackId, chord.Callback.Task, TaskState.Failure, error, _workerId, CancellationToken.None).ConfigureAwait(false);
            Log.ChordEnded(_logger, chord.Group, TaskState.Failure.ToWireName(), chord.Index, chord.Callback.Task);
            return;
        }

        await SendChordCallbackAsync(held, chord, body).ConfigureAwait(false);
        // Only groups in flight stay in the stream. A member settled again later finds fewer markers than members.
        await stream.PurgeAsync(new StreamPurgeRequest { Filter = subject }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Reads a group's markers once (a consumer filtered on its subject): the results in member order and which
    /// members failed, or null when one is missing (another member sent the callback and purged them, or a marker stored
    /// twice made the count reach the members early).</summary>
    private async Task<(ReadOnlyMemory<byte>[] Results, bool[] Failed)?> ReadChordMarkersAsync(INatsJSStream stream, string subject, ChordPlan chord)
    {
        var results = new ReadOnlyMemory<byte>[chord.Members];
        var failed = new bool[chord.Members];
        var seen = new bool[chord.Members];
        var found = 0;
        using var deadline = new CancellationTokenSource(ChordReadTimeout);
        // A consumer of this chord's subject only, made for this read: an ordered consumer would not do, NATS.Net sends its
        // filter as `filter_subjects`, which nats-server 2.9 ignores, and the read would take other chords' markers.
        var name = "chord_" + Guid.NewGuid().ToString("N");
        var consumer = await stream.CreateOrUpdateConsumerAsync(
            new ConsumerConfig(name)
            {
                FilterSubject = subject,
                AckPolicy = ConsumerConfigAckPolicy.None,
                DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                MemStorage = true,
                NumReplicas = 1,
                // Gone on its own if this worker dies before deleting it.
                InactiveThreshold = ChordReadTimeout,
            },
            deadline.Token).ConfigureAwait(false);
        try
        {
            // Pulls for the markers still missing, each ending after MarkerPullExpires at most: markers purged meanwhile (another
            // member sent the callback) end the read within that, rather than wait for messages that will not come. (No-wait
            // pulls do not: nats-server 2.9 holds one that finds nothing until its expiry, 30 s with NATS.Net's defaults.)
            for (var received = -1; received != 0 && found < chord.Members;)
            {
                received = 0;
                await foreach (var message in consumer.FetchAsync(new NatsJSFetchOpts { MaxMsgs = Math.Min(chord.Members - found, 1000), Expires = MarkerPullExpires }, RawSerializer, deadline.Token).ConfigureAwait(false))
                {
                    received++;
                    if (message.Headers?[TaskHeaders.ChordIndex] is { Count: 1 } indexText
                        && int.TryParse(indexText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                        && index < chord.Members && !seen[index])
                    {
                        seen[index] = true;
                        results[index] = message.Data.ToArray();
                        failed[index] = message.Headers.TryGetValue(TaskHeaders.ChordOutcome, out var outcome) && outcome.ToString() == "failed";
                        found++;
                    }
                }
            }
        }
        finally
        {
            await DeleteQuietlyAsync(stream, name).ConfigureAwait(false);
        }

        if (found < chord.Members)
        {
            Log.ChordMarkersGone(_logger, chord.Group, found, chord.Members);
            return null;
        }

        return (results, failed);
    }

    /// <summary>Deletes a chord's read consumer; one left behind goes by its inactivity threshold.</summary>
    private async Task DeleteQuietlyAsync(INatsJSStream stream, string consumer)
    {
        try
        {
            await stream.DeleteConsumerAsync(consumer, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsJSException or NatsException)
        {
            Log.ChordConsumerNotDeleted(_logger, consumer, ex);
        }
    }

    /// <summary>Sends the callback under its task id as message id, with the trace context of the member that completed the
    /// chord; it notifies nobody (the chord's handle watches its record).</summary>
    private async Task SendChordCallbackAsync(HeldMessage held, ChordPlan chord, byte[] body)
    {
        if (await SendWorkflowTaskAsync(held, chord.Callback, chord.CallbackId, body, "the callback of " + chord.Group).ConfigureAwait(false))
        {
            Log.ChordCompleted(_logger, chord.Group, chord.Members, chord.Callback.Task, chord.CallbackId);
        }
    }

    /// <summary>Sends a workflow's error callback (Celery's <c>link_error</c>) with the failure, under the task id and
    /// message id <c>&lt;workflow id&gt;-error</c>: settled twice, it is stored once.</summary>
    private async Task SendErrorCallbackAsync(HeldMessage held, ChainStep handler, string workflowId, TaskFailure failure)
    {
        var id = PlanJson.ErrorCallbackId(workflowId);
        if (await SendWorkflowTaskAsync(held, handler, id, PlanJson.FailureBody(handler, failure), "the error callback of " + workflowId).ConfigureAwait(false))
        {
            Log.ErrorCallbackSent(_logger, workflowId, failure.TaskId, handler.Task, id);
        }
    }

    /// <summary>Sends a task on a workflow's behalf (a chain's next step, a callback), under its task id as message id, with
    /// the trace context of the message being settled and, for a chain's step, its plan; true when the stream stored it now
    /// (false: a duplicate, sent before), and then it is told as a client would (metric, sent event).</summary>
    private async Task<bool> SendWorkflowTaskAsync(HeldMessage held, ChainStep step, string id, byte[] body, string what, (string Name, string Value)? plan = null)
    {
        var headers = new NatsHeaders
        {
            [TaskHeaders.Protocol] = TaskHeaders.ProtocolVersionText,
            [TaskHeaders.Task] = step.Task,
            [TaskHeaders.Id] = id,
        };
        if (plan is var (name, value))
        {
            headers[name] = value;
        }

        CopyTraceContext(held, headers);
        var ack = await _connection.JetStream.PublishAsync(
            _connection.Names.TaskSubject(step.Queue),
            (ReadOnlyMemory<byte>)body,
            RawSerializer,
            new NatsJSPubOpts { MsgId = id },
            headers,
            CancellationToken.None).ConfigureAwait(false);
        if (ack.Error is { } error)
        {
            throw new TypedTasksException($"Could not send {what}: {error.ErrCode} {error.Description}.");
        }

        if (ack.Duplicate)
        {
            return false;
        }

        TaskTelemetry.RecordSent(step.Task, step.Queue);
        if (_connection.Options.SendTaskEvents)
        {
            await TaskEventPublisher.PublishAsync(_connection, TaskEventPublisher.Sent(_connection, id, step.Task, step.Queue, body, DateTimeOffset.UtcNow, _workerId)).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>A member did not succeed (it failed, was revoked or dead-lettered). A chord ends with it — the callback's
    /// record says which member and why, first final writer wins — and the callback is never sent; a batch counts it as
    /// failed, like any other ending.</summary>
    private async Task EndChordAsync(HeldMessage held, Outcome outcome, TaskState state)
    {
        if (outcome.Chord is not { } chord)
        {
            return;
        }

        if (chord.Batch)
        {
            await CompleteChordMemberAsync(held, chord, default, failed: true).ConfigureAwait(false);
            return;
        }

        var ended = state == TaskState.Revoked ? TaskState.Revoked : TaskState.Failure;
        if (ended == TaskState.Failure && chord.OnError is { } handler)
        {
            var memberError = outcome.ErrorFromTask ? ErrorDetailsOptions.Apply(outcome.Error!, _options.ErrorDetails.InRecords) : outcome.Error;
            var failure = new TaskFailure(chord.MemberId, outcome.TaskName ?? "(unknown task)", memberError?.Type ?? typeof(TypedTasksException).FullName!, memberError?.Message ?? string.Empty);
            await SendErrorCallbackAsync(held, handler, chord.Group, failure).ConfigureAwait(false);
        }

        var error = ChordPlan.MemberFailed(chord.Group, chord.Index, outcome.TaskName ?? "(unknown task)", state, outcome.Error);
        await _results.EndUnsentAsync(chord.CallbackId, chord.Callback.Task, ended, error, _workerId, CancellationToken.None).ConfigureAwait(false);
        Log.ChordEnded(_logger, chord.Group, ended.ToWireName(), chord.Index, outcome.TaskName);
    }

    /// <summary>A member whose record is final came again (a redelivery, or the same message sent again): its worker may
    /// have died after the record and before the callback, so the group is settled again from that record.</summary>
    private async Task SettleChordAgainAsync(HeldMessage held, Outcome outcome)
    {
        var record = ResultRecordSerializer.Read(outcome.Stored);
        if (record.State == TaskState.Success)
        {
            await CompleteChordMemberAsync(held, outcome.Chord!, record.ResultJson).ConfigureAwait(false);
        }
        else
        {
            await EndChordAsync(held, outcome with { Error = record.Error, TaskName = record.TaskName }, record.State).ConfigureAwait(false);
        }
    }
}
