using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Broker;
using TypedTasks.Dispatching;
using TypedTasks.Internal;

namespace TypedTasks.Worker;

internal sealed partial class TaskWorker
{
    /// <summary>One slot: runs held messages one at a time and passes each outcome on to be settled.</summary>
    private async Task RunnerLoopAsync()
    {
        await foreach (var held in _pending.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            Outcome outcome;
            if (_stopping)
            {
                outcome = new Outcome(OutcomeKind.Abandon);
            }
            else
            {
                Interlocked.Increment(ref _running);
                try
                {
                    outcome = await RunAsync(held).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _running);
                }
            }

            // The slot is free now; the outcome is stored and acked beside the slots.
            _permits.Release();
            await _outcomes.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            _ = SettleAsync(held, outcome);
        }
    }

    private async Task<Outcome> RunAsync(HeldMessage held)
    {
        var protocol = held.Header(TaskHeaders.Protocol);
        var name = held.Header(TaskHeaders.Task);
        var id = held.Header(TaskHeaders.Id) ?? held.Header(TaskHeaders.MsgId) ?? string.Empty;
        var attempt = int.TryParse(held.Header(TaskHeaders.Attempt), out var a) && a > 0 ? a : 1;
        var deliveries = held.Message.Metadata?.NumDelivered ?? 1;

        if (!int.TryParse(protocol, out var version) || version < 1)
        {
            return DeadLetter($"Missing or invalid {TaskHeaders.Protocol} header '{protocol}'.");
        }

        if (version > TaskHeaders.ProtocolVersion)
        {
            return DeadLetter($"Protocol version {version} is newer than this worker speaks ({TaskHeaders.ProtocolVersion}); upgrade the worker.");
        }

        if (string.IsNullOrEmpty(name))
        {
            return DeadLetter($"The message has no {TaskHeaders.Task} header.");
        }

        if (!_registry.TryGet(name, out var task))
        {
            return DeadLetter(new UnknownTaskException(name).Message, typeof(UnknownTaskException));
        }

        // Redelivered this often without an outcome: the task keeps killing or hanging its workers (Celery's WorkerLostError).
        if (deliveries > (ulong)Math.Max(1, _options.MaxDeliveries))
        {
            return DeadLetter(
                $"Worker lost: the task was delivered {deliveries} times without finishing (TypedTasks:Worker:MaxDeliveries = {_options.MaxDeliveries}); it may crash or hang its worker.",
                typeof(WorkerLostException)) with
            { Task = task };
        }

        var now = DateTimeOffset.UtcNow;
        if (ParseTime(held.Header(TaskHeaders.Expires)) is { } expires && now > expires)
        {
            return Revoked($"The task expired at {expires:O} before a worker could start it.");
        }

        if (_revocations.IsRevoked(id))
        {
            return Revoked("The task was revoked before it started.");
        }

        // At-least-once: a redelivered task whose final result is stored already is acked, not run again.
        if (deliveries > 1 && !task.IgnoreResult && await HasFinalRecordAsync(id).ConfigureAwait(false))
        {
            return new Outcome(OutcomeKind.AlreadyDone) { TaskId = id, TaskName = name, Task = task };
        }

        var maxRetries = int.TryParse(held.Header(TaskHeaders.MaxRetries), out var m) && m >= 0 ? m : task.MaxRetries;
        ulong? startedRevision = null;
        if (task.TrackStarted && !task.IgnoreResult && id.Length > 0)
        {
            startedRevision = await TryRecordStartedAsync(id, task, attempt, now).ConfigureAwait(false);
        }

        var context = new TaskContext(id, name, held.Queue, attempt, maxRetries);
        using var execution = CancellationTokenSource.CreateLinkedTokenSource(_executionCts.Token);
        if (task.SoftTimeLimit is { } soft)
        {
            execution.CancelAfter(soft);
        }

        using var running = _revocations.Track(id, execution);
        var scope = _scopes.CreateAsyncScope();
        try
        {
            scope.ServiceProvider.GetService<TaskContextSlot>()?.Set(context);
            var invocation = new TaskInvocation(id, name, held.Body, scope.ServiceProvider, execution.Token, context);
            var invoked = task.Invoker(invocation).AsTask();
            if (task.TimeLimit is { } limit)
            {
                try
                {
                    await invoked.WaitAsync(limit).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // .NET cannot stop a running method: cancel it, stop waiting, free the slot.
                    execution.Cancel();
                    _ = invoked.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    return Completed(OutcomeKind.Failure) with { Error = Outcome.ErrorFrom(new TaskTimeLimitExceededException(limit)) };
                }
            }
            else
            {
                await invoked.ConfigureAwait(false);
            }

            return Completed(OutcomeKind.Success) with { ResultJson = invocation.ResultJson };
        }
        catch (TaskArgumentException ex)
        {
            return DeadLetter(ex.Message, typeof(TaskArgumentException)) with { Task = task };
        }
        catch (OperationCanceledException) when (_executionCts.IsCancellationRequested)
        {
            return new Outcome(OutcomeKind.Abandon) { TaskId = id, TaskName = name };
        }
        catch (OperationCanceledException) when (running.Terminated)
        {
            return Revoked("The task was revoked and terminated while it ran.");
        }
        catch (Exception ex)
        {
            var cause = ex is TaskRetryException { InnerException: { } inner } ? inner : ex;
            if (RetryPolicy.WantsRetry(task, ex) && context.Retries < maxRetries)
            {
                var delay = RetryPolicy.Delay(task, attempt, (ex as TaskRetryException)?.Countdown, Random.Shared);
                return Completed(OutcomeKind.Retry) with { Error = Outcome.ErrorFrom(cause), NextAttemptAt = DateTimeOffset.UtcNow + delay };
            }

            return Completed(OutcomeKind.Failure) with { Error = Outcome.ErrorFrom(cause) };
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }

        Outcome Completed(OutcomeKind kind) => new(kind)
        {
            TaskId = id,
            Task = task,
            TaskName = name,
            Attempt = attempt,
            StartedAt = now,
            StartedRevision = startedRevision,
        };

        Outcome Revoked(string reason) => new(OutcomeKind.Revoked)
        {
            TaskId = id,
            Task = task,
            TaskName = name,
            Attempt = attempt,
            StartedAt = DateTimeOffset.UtcNow,
            Error = new TaskError(typeof(TaskRevokedException).FullName!, reason, null),
        };

        Outcome DeadLetter(string reason, Type? errorType = null) => new(OutcomeKind.DeadLetter)
        {
            TaskId = id,
            TaskName = name,
            DeadLetterReason = reason,
            Error = new TaskError((errorType ?? typeof(TypedTasksException)).FullName!, reason, null),
            Attempt = attempt,
            StartedAt = DateTimeOffset.UtcNow,
        };
    }

    private static DateTimeOffset? ParseTime(string? value)
        => DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var time) ? time : null;

    private async Task<bool> HasFinalRecordAsync(string id)
    {
        if (id.Length == 0 || await _connection.GetResultStoreAsync(CancellationToken.None).ConfigureAwait(false) is not { } store)
        {
            return false;
        }

        var entry = await store.TryGetEntryAsync(id, serializer: RawSerializer).ConfigureAwait(false);
        return entry.Success && !entry.Value.Value.IsEmpty && Serialization.ResultRecordSerializer.Read(entry.Value.Value).State.IsFinal();
    }
}
