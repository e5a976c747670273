using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Backend;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Intake;
using TypedTasks.Protocol;
using TypedTasks.Telemetry;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

internal sealed partial class TaskWorker
{
    /// <summary>One slot: runs held messages one at a time and passes each outcome on to be settled.</summary>
    private async Task RunnerLoopAsync(int slot)
    {
        await foreach (var held in _pending.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            Outcome outcome;
            if (_stopping)
            {
                outcome = new Outcome(OutcomeKind.Abandon);
            }
            else if (LeaseLost(held))
            {
                outcome = new Outcome(OutcomeKind.LeaseLapsed);
            }
            else
            {
                Interlocked.Increment(ref _running);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                StartActive(slot, held);
                // The process span, a child of the sender's trace context; nothing is looked up when nobody traces.
                var activity = TaskTelemetry.Tracing
                    ? TaskTelemetry.StartProcess(held.Header(TaskHeaders.Task) ?? "(no task name)", held.Queue, held.Header(TaskTelemetry.TraceParentHeader), held.Header(TaskTelemetry.TraceStateHeader))
                    : null;
                try
                {
                    outcome = await RunAsync(held).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // The worker's own bookkeeping failed (e.g. the result store is unreachable): hand the task back.
                    // A runner never dies: that would lose a slot for good.
                    Log.RunFailed(_logger, ex);
                    outcome = new Outcome(OutcomeKind.HandBack);
                }
                finally
                {
                    Interlocked.Decrement(ref _running);
                }

                if (outcome.Kind == OutcomeKind.LeaseLapsed)
                {
                    ClearActive(slot);
                    activity?.Dispose();
                }
                else
                {
                    EndActive(slot, outcome.Kind);
                    var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                    AdjustPrefetch(elapsed);
                    TaskTelemetry.RecordRun(activity, outcome.TaskName, outcome.TaskId, outcome.Attempt, StateName(outcome.Kind), outcome.Error?.Message, elapsed);
                    activity?.Dispose();
                    if (_connection.Options.SendTaskEvents && EventKind(outcome.Kind) is { } kind)
                    {
                        await PublishEndEventAsync(kind, held, outcome, elapsed).ConfigureAwait(false);
                    }
                }
            }

            if (outcome.Kind == OutcomeKind.LeaseLapsed)
            {
                // Its lease is gone (held a whole AckWait without a renewal, or fetched from a server that has restarted since):
                // the broker may have given it to another worker, which may have finished it. Not started; left to the
                // broker's redelivery.
                Log.LeaseLapsed(_logger, held.Queue, held.Deliveries);
                _window.Release();
                Release(held);
                continue;
            }

            // The slot is free now; the outcome is stored and acked beside the slots.
            _window.Release();
            if (NeedsNoStore(outcome))
            {
                // Nothing to store and nobody to notify: ack from the slot (a buffered write, no round trip).
                await AckWithoutStoreAsync(held, outcome).ConfigureAwait(false);
                continue;
            }

            await _outcomes.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            _ = SettleAsync(held, outcome);
        }
    }

    private async ValueTask<Outcome> RunAsync(HeldMessage held)
    {
        var deliveries = held.Deliveries;
        var verdict = _intake.Check(held.Message.Headers, held.Body);
        if (verdict.Rejection is { } rejection)
        {
            // Refused at the intake: never run, dead-lettered once; a FAILURE record only under a usable id.
            return new Outcome(OutcomeKind.DeadLetter)
            {
                TaskId = verdict.UsableId,
                TaskName = verdict.TaskName,
                DeadLetterReason = rejection,
                Error = new TaskError(verdict.ErrorType!.FullName!, rejection, null),
                Chain = verdict.Chain,
                Chord = verdict.Chord,
            };
        }

        var message = verdict.Message;
        var (id, task, attempt, maxRetries, reply) = (message.Id, message.Task, message.Attempt, message.MaxRetries, message.Reply);
        var name = task.Name;
        var now = DateTimeOffset.UtcNow;
        if (message.Expires is { } expires && now > expires)
        {
            return Revoked($"The task expired at {expires:O} before a worker could start it.", started: null);
        }

        if (_revocations.IsRevoked(id))
        {
            return Revoked("The task was revoked before it started.", started: null);
        }

        if (message.Chain is { } chain && _revocations.IsRevoked(chain.Id))
        {
            return Revoked($"The chain {chain.Id} was revoked before step {chain.Step} started.", started: null);
        }

        if (message.Chord is { } chord && _revocations.IsRevoked(chord.CallbackId))
        {
            return Revoked($"The chord {chord.Group} was revoked before member {chord.Index} started.", started: null);
        }

        // The producer's PENDING record (RecordPending), replaced by the first write with one compare-and-set.
        var startedRevision = message.RecordRevision;
        var reruns = 0;
        if (deliveries > 1)
        {
            // A redelivery: its worker died, hung or lost its connection. Decide from the result store, not from the
            // broker's delivery count, which also counts deliveries that were only prefetched when the worker died.
            var rerun = await CheckRedeliveryAsync(id, task, attempt, deliveries, now, assumeEarlierRun: true).ConfigureAwait(false);
            if (rerun.Outcome is { } settled)
            {
                return settled with { TaskName = name, Attempt = attempt, Reply = reply, Chain = message.Chain, Chord = message.Chord };
            }

            startedRevision = rerun.StartedRevision;
            reruns = rerun.Reruns;
        }
        else if ((held.RecordRead ?? (held.ReadRecordInSlot ? ReadRecordAsync(id) : null)) is { } read && await read.ConfigureAwait(false) is var lookup)
        {
            if (lookup.Error is { } error)
            {
                // Without the record, a finished task could run again: hand it back rather than guess.
                throw new TypedTasksException($"Could not read the record of task {id} before running it.", error);
            }

            if (lookup.Entry is { } entry)
            {
                if (entry.Record is { State: TaskState.Pending, Attempts: 0 } or { State: TaskState.Retry } && entry.Record.Attempts < attempt)
                {
                    // The producer's PENDING (RecordPending) or the previous attempt's RETRY: the outcome replaces it by
                    // compare-and-set.
                    startedRevision = entry.Revision;
                }
                else
                {
                    // Final (a second message with this id), or written by an earlier delivery of it.
                    var rerun = await DecideRerunAsync(id, task, attempt, now, entry, assumeEarlierRun: false).ConfigureAwait(false);
                    if (rerun.Outcome is { } settled)
                    {
                        return settled with { TaskName = name, Attempt = attempt, Reply = reply, Chain = message.Chain, Chord = message.Chord };
                    }

                    startedRevision = rerun.StartedRevision;
                    reruns = rerun.Reruns;
                }
            }
        }
        else if (task.TrackStarted && !task.IgnoreResult)
        {
            // STARTED as a new key: if it exists, an earlier delivery started this task, whatever the broker's
            // delivery count says (nats-server 2.9 sometimes reports a redelivery as the first delivery).
            startedRevision = await _results.TryMarkStartedAsync(new TaskRun(id, task.Name, attempt, 0, _workerId, now), revision: 0, CancellationToken.None).ConfigureAwait(false);
            if (startedRevision is null)
            {
                var rerun = await CheckRedeliveryAsync(id, task, attempt, deliveries, now, assumeEarlierRun: false).ConfigureAwait(false);
                if (rerun.Outcome is { } settled)
                {
                    return settled with { TaskName = name, Attempt = attempt, Reply = reply, Chain = message.Chain, Chord = message.Chord };
                }

                startedRevision = rerun.StartedRevision;
                reruns = rerun.Reruns;
            }
        }

        var context = new TaskContext(id, name, held.Queue, attempt, maxRetries);
        if (!task.IgnoreResult)
        {
            // The run's record state rides on the context, so that the sink is one delegate per worker, not a closure per task.
            context.ProgressSink = _progressSink ??= WriteProgressAsync;
            context.RecordRevision = startedRevision;
            context.Reruns = reruns;
            context.StartedAt = now;
            context.ProgressInterval = _options.ProgressInterval;
        }

        if (LeaseLost(held))
        {
            // Paused between the slot's check and here (a SIGSTOP, a stalled machine), with reads and writes awaited on the
            // way: the broker may have given the message to another worker, which may have finished it. The last check
            // before the task's code, with nothing awaited after it.
            return new Outcome(OutcomeKind.LeaseLapsed);
        }

        var run = await _executor.RunAsync(task, context, held.Body, _executionCts.Token, _trackRun, _connection.Options.SendTaskEvents ? StartedEvent(id, name, held.Queue, attempt) : null).ConfigureAwait(false);
        context.EndProgress();
        startedRevision = context.RecordRevision ?? startedRevision;
        return run.Kind switch
        {
            ExecutionKind.Succeeded => Completed(OutcomeKind.Success, result: run.ResultJson),
            ExecutionKind.RetryDue => Completed(OutcomeKind.Retry, run.Exception, next: DateTimeOffset.UtcNow + run.RetryDelay),
            ExecutionKind.Failed => Completed(OutcomeKind.Failure, run.Exception),
            ExecutionKind.BadArguments => DeadLetter(run.Exception!.Message, typeof(TaskArgumentException)) with { Task = task },
            ExecutionKind.Terminated => Revoked("The task was revoked and terminated while it ran.", started: now),
            _ => new Outcome(OutcomeKind.Abandon) { TaskId = id, Task = task, TaskName = name, Attempt = attempt, Reruns = reruns, StartedRevision = startedRevision, Reply = reply, Chain = message.Chain, Chord = message.Chord },
        };

        // One allocation per outcome (a `with` copy would be a second).
        Outcome Completed(OutcomeKind kind, Exception? exception = null, ReadOnlyMemory<byte> result = default, DateTimeOffset? next = null) => new(kind)
        {
            TaskId = id,
            Task = task,
            TaskName = name,
            Attempt = attempt,
            StartedAt = now,
            StartedRevision = startedRevision,
            ResultJson = result,
            Error = exception is null ? null : Execution.ErrorFrom(exception),
            TaskException = exception,
            NextAttemptAt = next,
            Reply = reply,
            Chain = message.Chain,
            Chord = message.Chord,
        };

        // Revoked or expired before it started: no startedAt (docs/protocol.md §6); terminated while it ran: the run's start.
        Outcome Revoked(string reason, DateTimeOffset? started) => new(OutcomeKind.Revoked)
        {
            TaskId = id,
            Task = task,
            TaskName = name,
            Attempt = attempt,
            StartedAt = started,
            Error = new TaskError(typeof(TaskRevokedException).FullName!, reason, null),
            Reply = reply,
            Chain = message.Chain,
            Chord = message.Chord,
        };

        Outcome DeadLetter(string reason, Type? errorType = null) => new(OutcomeKind.DeadLetter)
        {
            TaskId = id,
            TaskName = name,
            DeadLetterReason = reason,
            Error = new TaskError((errorType ?? typeof(TypedTasksException)).FullName!, reason, null),
            Attempt = attempt,
            Reply = reply,
            Chain = message.Chain,
            Chord = message.Chord,
        };
    }

    /// <summary>
    /// Whether a held message may no longer be started: nothing renewed its lease for a whole AckWait (a paused process, a
    /// cut connection), or it was fetched from a server that has restarted since (the connection names another server
    /// now: a crashed nats-server 2.9 may have forgotten the delivery and handed the message to another worker already).
    /// </summary>
    private bool LeaseLost(HeldMessage held)
        => held.LeaseLapsed(_options.AckWait) || !string.Equals(held.ServerId, _connection.Nats.ServerInfo?.Id, StringComparison.Ordinal);

    /// <summary>Publishes the STARTED event when the task's code starts (a closure only when events are on).</summary>
    private Func<ValueTask> StartedEvent(string id, string name, string queue, int attempt)
        => () => TaskEventPublisher.PublishAsync(_connection, new TaskEvent { Kind = TaskEventKind.Started, Id = id, TaskName = name, Queue = queue, Attempt = attempt, Worker = _workerId, At = DateTimeOffset.UtcNow });

    /// <summary>Stores a run's progress in its STARTED record (<see cref="TaskContext.ReportProgressAsync"/>).</summary>
    private async ValueTask WriteProgressAsync(TaskContext context, TaskProgress progress, CancellationToken cancellationToken)
    {
        var run = new TaskRun(context.Id, context.TaskName, context.Attempt, context.Reruns, _workerId, context.StartedAt);
        context.RecordRevision = await _results.WriteProgressAsync(run, progress, context.RecordRevision, cancellationToken).ConfigureAwait(false) ?? context.RecordRevision;
    }

    private Func<TaskContext, TaskProgress, CancellationToken, ValueTask>? _progressSink;

    /// <summary>The <c>typedtasks.task.state</c> of a run's outcome (Celery's state names, and what is not a state).</summary>
    private static string StateName(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Success => "SUCCESS",
        OutcomeKind.Failure => "FAILURE",
        OutcomeKind.Retry => "RETRY",
        OutcomeKind.Revoked => "REVOKED",
        OutcomeKind.DeadLetter => "DEAD_LETTER",
        OutcomeKind.AlreadyDone => "DUPLICATE",
        _ => "HANDED_BACK",
    };

    private ValueTask PublishEndEventAsync(TaskEventKind kind, HeldMessage held, Outcome outcome, TimeSpan elapsed)
        => TaskEventPublisher.PublishAsync(_connection, new TaskEvent
        {
            Kind = kind,
            Id = outcome.TaskId ?? string.Empty,
            TaskName = outcome.TaskName ?? string.Empty,
            Queue = held.Queue,
            Attempt = outcome.Attempt,
            Worker = _workerId,
            At = DateTimeOffset.UtcNow,
            Runtime = elapsed,
            Error = outcome.ErrorFromTask ? ErrorDetailsOptions.Apply(outcome.Error!, _options.ErrorDetails.InEvents) : outcome.Error,
            NextAttemptAt = outcome.NextAttemptAt,
        });

    /// <summary>The task event an outcome is published as (none for hand-backs and duplicates: nothing happened to the task).</summary>
    private static TaskEventKind? EventKind(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Success => TaskEventKind.Succeeded,
        OutcomeKind.Failure => TaskEventKind.Failed,
        OutcomeKind.Retry => TaskEventKind.Retried,
        OutcomeKind.Revoked => TaskEventKind.Revoked,
        OutcomeKind.DeadLetter => TaskEventKind.DeadLettered,
        _ => null,
    };

    /// <summary>
    /// For a redelivered message: a stored final result means a duplicate (ack, do not run: effectively once); past
    /// <see cref="WorkerOptions.MaxDeliveries"/> runs it is dead-lettered as worker lost; otherwise the rerun is
    /// recorded (STARTED, reruns + 1) before the task runs again. Runs are counted in the result store because the
    /// broker's delivery count also counts deliveries that were only prefetched when a worker died. The first
    /// delivery is counted as a run, so a prefetched task may be miscounted by one. Without a result backend the
    /// broker's count is used.
    /// </summary>
    private async Task<(Outcome? Outcome, ulong? StartedRevision, int Reruns)> CheckRedeliveryAsync(string id, TaskDefinition task, int attempt, ulong deliveries, DateTimeOffset now, bool assumeEarlierRun)
    {
        if (id.Length == 0 || task.IgnoreResult || !_results.Enabled)
        {
            return deliveries > (ulong)Math.Max(1, _options.MaxDeliveries) ? (WorkerLost(id, task, deliveries, now), null, 0) : (null, null, 0);
        }

        var entry = await _results.GetEntryAsync(id, CancellationToken.None).ConfigureAwait(false);
        return await DecideRerunAsync(id, task, attempt, now, entry, assumeEarlierRun).ConfigureAwait(false);
    }

    /// <summary>What <see cref="CheckRedeliveryAsync"/> decides from the record it read.</summary>
    private async Task<(Outcome? Outcome, ulong? StartedRevision, int Reruns)> DecideRerunAsync(string id, TaskDefinition task, int attempt, DateTimeOffset now, (TaskResultRecord Record, ulong Revision)? entry, bool assumeEarlierRun, int decisionsLeft = 2)
    {
        var limit = Math.Max(1, _options.MaxDeliveries);
        var existing = entry?.Record;
        if (existing is { } record && record.State.IsFinal())
        {
            return (new Outcome(OutcomeKind.AlreadyDone) { TaskId = id, Task = task, Stored = ResultRecordSerializer.ToBytes(record) }, null, 0);
        }

        // Earlier runs of this attempt: a STARTED record of this attempt says how many (its reruns + 1), a PENDING one
        // written by a graceful hand-back says how many before it; without either, a redelivery means the first
        // delivery ran (a prefetched task may be counted once too often).
        var previousRuns = existing switch
        {
            { State: TaskState.Started } same when same.Attempts == attempt => same.Reruns + 1,
            // Handed back on a worker's shutdown: not a run (the record keeps the runs before it).
            { State: TaskState.Pending } handedBack when handedBack.Attempts == attempt => handedBack.Reruns,
            _ => assumeEarlierRun ? 1 : 0,
        };
        if (previousRuns >= limit)
        {
            return (WorkerLost(id, task, (ulong)previousRuns, now), null, previousRuns);
        }

        var revision = await _results.TryMarkStartedAsync(new TaskRun(id, task.Name, attempt, previousRuns, _workerId, now), entry?.Revision ?? 0, CancellationToken.None).ConfigureAwait(false);
        if (revision is null && _results.Enabled && decisionsLeft > 0)
        {
            // The record changed between the read and this write: the earlier delivery may have just stored its outcome
            // (a worker resumed after SIGSTOP finishes the run the broker already redelivered). Decide again from what is
            // there now, rather than run a finished task again.
            var current = await _results.GetEntryAsync(id, CancellationToken.None).ConfigureAwait(false);
            return await DecideRerunAsync(id, task, attempt, now, current, assumeEarlierRun, decisionsLeft - 1).ConfigureAwait(false);
        }

        return (null, revision, previousRuns);
    }

    private Outcome WorkerLost(string id, TaskDefinition task, ulong runs, DateTimeOffset now) => new(OutcomeKind.DeadLetter)
    {
        TaskId = id,
        Task = task,
        DeadLetterReason = $"Worker lost: the task ran {runs} times without finishing (TypedTasks:Worker:MaxDeliveries = {_options.MaxDeliveries}); it may crash or hang its worker.",
        Error = new TaskError(typeof(WorkerLostException).FullName!, $"Worker lost: the task ran {runs} times without finishing; it may crash or hang its worker.", null),
        StartedAt = now,
    };
}
