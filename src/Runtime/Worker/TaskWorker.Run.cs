using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Broker;
using TypedTasks.Dispatching;

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
        var id = held.Header(TaskHeaders.Id) ?? held.Header(TaskHeaders.MsgId);
        var attempt = (int)Math.Min(int.MaxValue, held.Message.Metadata?.NumDelivered ?? 1);

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

        var startedAt = DateTimeOffset.UtcNow;
        id ??= string.Empty;
        ulong? startedRevision = null;
        if (task.TrackStarted && !task.IgnoreResult && id.Length > 0)
        {
            startedRevision = await TryRecordStartedAsync(id, task, attempt, startedAt).ConfigureAwait(false);
        }

        var scope = _scopes.CreateAsyncScope();
        try
        {
            var invocation = new TaskInvocation(id, name, held.Body, scope.ServiceProvider, _executionCts.Token);
            await task.Invoker(invocation).ConfigureAwait(false);
            return new Outcome(OutcomeKind.Success) { TaskId = id, Task = task, TaskName = name, ResultJson = invocation.ResultJson, Attempt = attempt, StartedAt = startedAt, StartedRevision = startedRevision };
        }
        catch (TaskArgumentException ex)
        {
            return DeadLetter(ex.Message, typeof(TaskArgumentException)) with { Task = task };
        }
        catch (OperationCanceledException) when (_executionCts.IsCancellationRequested)
        {
            return new Outcome(OutcomeKind.Abandon) { TaskId = id, TaskName = name };
        }
        catch (Exception ex)
        {
            return new Outcome(OutcomeKind.Failure) { TaskId = id, Task = task, TaskName = name, Error = Outcome.ErrorFrom(ex), Attempt = attempt, StartedAt = startedAt, StartedRevision = startedRevision };
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }

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
}
