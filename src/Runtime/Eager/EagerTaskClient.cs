using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TypedTasks.Backend;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;
using TypedTasks.Worker;

namespace TypedTasks.Eager;

/// <summary>
/// The task client of eager mode (<c>RunTasksEagerly()</c>, Celery's <c>task_always_eager</c>): a send runs the task in
/// the caller, through the same JSON round trip of the arguments, DI scope, task context and retry policy as a worker,
/// and stores the outcome in memory before it returns. No NATS connection is made.
/// </summary>
internal sealed class EagerTaskClient : TaskClientBase
{
    private readonly InMemoryResultBackend _results;
    private readonly TaskExecutor _executor;
    private readonly EagerOptions _options;
    private readonly TaskRegistry _registry;
    private readonly string _worker = "eager/" + Environment.ProcessId;

    public EagerTaskClient(InMemoryResultBackend results, TaskExecutor executor, IOptions<EagerOptions> options, TaskRegistry registry)
        : base(results)
    {
        _results = results;
        _executor = executor;
        _options = options.Value;
        _registry = registry;
    }

    /// <summary>Runs the chain's steps one after the other, as workers would: each step's result becomes the next one's first
    /// argument through the same JSON; a step that does not succeed ends the chain.</summary>
    protected override async ValueTask SendChainAsync(TaskCall first, ChainPlan plan, string header, CancellationToken cancellationToken)
    {
        var task = first.Task;
        var body = first.ArgumentsJson;
        for (var current = plan; ; current = current.Advance())
        {
            var stepId = ChainPlan.StepId(plan.Id, current.Step);
            await SendAsync(task, new RawTaskArguments(body), new TaskOptions { TaskId = stepId }, cancellationToken).ConfigureAwait(false);
            var record = await _results.GetAsync(stepId, cancellationToken).ConfigureAwait(false);
            if (record is not { State: TaskState.Success })
            {
                var state = record?.State == TaskState.Revoked ? TaskState.Revoked : TaskState.Failure;
                await _results.FinishChainAsync(plan.Id, plan.Steps, state, default, record?.Error, current.Step, task.Name, _worker, CancellationToken.None).ConfigureAwait(false);
                if (state == TaskState.Failure)
                {
                    await RunErrorHandlerAsync(plan.OnError, plan.Id, stepId, task.Name, record?.Error, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            if (current.IsLast)
            {
                await _results.FinishChainAsync(plan.Id, plan.Steps, TaskState.Success, record.ResultJson, null, null, null, _worker, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            var next = current.Next[0];
            if (!_registry.TryGet(next.Task, out task))
            {
                var unknown = new UnknownTaskException(next.Task);
                await _results.FinishChainAsync(plan.Id, plan.Steps, TaskState.Failure, default, new TaskError(typeof(UnknownTaskException).FullName!, unknown.Message, null), current.Step + 1, next.Task, _worker, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            body = ChainPlan.NextBody(next, record.ResultJson);
        }
    }

    /// <summary>Runs the members one after the other, then the callback with their results (a chord) or how they ended (a
    /// batch) through the same JSON as on the wire; a chord's member that does not succeed ends it, as on a worker.</summary>
    protected override async ValueTask SendChordAsync(IReadOnlyList<TaskCall> members, string groupId, ChainStep callback, bool batch, ChainStep? onError, CancellationToken cancellationToken)
    {
        var results = new ReadOnlyMemory<byte>[members.Count];
        var failed = new bool[members.Count];
        var callbackId = ChordPlan.CallbackIdOf(groupId);
        for (var index = 0; index < members.Count; index++)
        {
            var id = PlanJson.TaskIdOf(groupId, index);
            await SendAsync(members[index].Task, new RawTaskArguments(members[index].ArgumentsJson), new TaskOptions { TaskId = id }, cancellationToken).ConfigureAwait(false);
            var record = await _results.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (record is not { State: TaskState.Success } && !batch)
            {
                var state = record?.State == TaskState.Revoked ? TaskState.Revoked : TaskState.Failure;
                await _results.EndUnsentAsync(callbackId, callback.Task, state, ChordPlan.MemberFailed(groupId, index, members[index].Task.Name, state, record?.Error), _worker, CancellationToken.None).ConfigureAwait(false);
                if (state == TaskState.Failure)
                {
                    await RunErrorHandlerAsync(onError, groupId, id, members[index].Task.Name, record?.Error, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            failed[index] = record is not { State: TaskState.Success };
            results[index] = record?.ResultJson ?? default;
        }

        if (!_registry.TryGet(callback.Task, out var task))
        {
            var unknown = new UnknownTaskException(callback.Task);
            await _results.EndUnsentAsync(callbackId, callback.Task, TaskState.Failure, new TaskError(typeof(UnknownTaskException).FullName!, unknown.Message, null), _worker, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var plan = ChordPlan.Member(groupId, 0, members.Count, callback, batch);
        var body = batch ? plan.BatchCallbackBody(failed) : plan.CallbackBody(results);
        await SendAsync(task, new RawTaskArguments(body), new TaskOptions { TaskId = callbackId }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a workflow's error callback, as a worker would send it, when there is one and its task is known.</summary>
    private async ValueTask RunErrorHandlerAsync(ChainStep? handler, string workflowId, string failedId, string failedTask, TaskError? error, CancellationToken cancellationToken)
    {
        if (handler is null || !_registry.TryGet(handler.Task, out var task))
        {
            return;
        }

        var failure = new TaskFailure(failedId, failedTask, error?.Type ?? typeof(TypedTasksException).FullName!, error?.Message ?? string.Empty);
        await SendAsync(task, new RawTaskArguments(PlanJson.FailureBody(handler, failure)), new TaskOptions { TaskId = PlanJson.ErrorCallbackId(workflowId) }, cancellationToken).ConfigureAwait(false);
    }

    protected override async ValueTask<string> SendAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var id = options?.TaskId ?? RandomIds.NewTaskId();
        var queue = options?.Queue ?? task.Queue;

        // The arguments go through JSON as on the wire, so what would not survive the broker fails here too.
        ReadOnlyMemory<byte> body;
        var buffer = ArgumentsBuffer.Rent();
        try
        {
            buffer.Write(arguments);
            body = buffer.WrittenMemory.ToArray();
        }
        finally
        {
            ArgumentsBuffer.Return(buffer);
        }

        var sentAt = DateTimeOffset.UtcNow;
        var expires = options?.Expires ?? (task.Expires is { } after ? sentAt + after : null);
        if (expires < sentAt)
        {
            await StoreAsync(id, task, TaskState.Revoked, 1, sentAt, error: new TaskError(typeof(TaskRevokedException).FullName!, $"The task expired at {expires:O} before it could start.", null)).ConfigureAwait(false);
            return id;
        }

        // Countdown and ETA are not waited for: the task runs now (as Celery's eager mode does).
        var maxRetries = options?.MaxRetries ?? task.MaxRetries;
        for (var attempt = 1; ; attempt++)
        {
            var startedAt = DateTimeOffset.UtcNow;
            var context = new TaskContext(id, task.Name, queue, attempt, maxRetries);
            if (!task.IgnoreResult)
            {
                var run = new TaskRun(id, task.Name, attempt, 0, _worker, startedAt);
                context.ProgressSink = async (_, progress, token) => await _results.WriteProgressAsync(run, progress, revision: null, token).ConfigureAwait(false);
            }

            // Every report is written in eager mode (an in-memory store: nothing to flood).
            var execution = await _executor.RunAsync(task, context, body, cancellationToken).ConfigureAwait(false);
            context.EndProgress();
            switch (execution.Kind)
            {
                case ExecutionKind.Succeeded:
                    await StoreAsync(id, task, TaskState.Success, attempt, startedAt, result: execution.ResultJson).ConfigureAwait(false);
                    return id;
                case ExecutionKind.Abandoned:
                    // The caller's token: eager mode has no broker to hand the task back to.
                    throw new OperationCanceledException(cancellationToken);
                case ExecutionKind.RetryDue:
                    // The next attempt runs at once: eager mode waits for no retry delay.
                    await StoreAsync(id, task, TaskState.Retry, attempt, startedAt, error: execution.Error, next: DateTimeOffset.UtcNow).ConfigureAwait(false);
                    continue;
                default:
                    // On a worker bad arguments are a dead letter; here the caller learns them from the result.
                    await StoreAsync(id, task, TaskState.Failure, attempt, startedAt, error: execution.Error).ConfigureAwait(false);
                    if (_options.PropagateExceptions)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(execution.Exception!);
                    }

                    return id;
            }
        }
    }

    private async ValueTask StoreAsync(string id, TaskDefinition task, TaskState state, int attempt, DateTimeOffset startedAt, ReadOnlyMemory<byte> result = default, TaskError? error = null, DateTimeOffset? next = null)
        => await _results.StoreOutcomeAsync(new TaskRun(id, task.Name, attempt, 0, _worker, startedAt), state, result, error, next, revision: null, buffer: null, CancellationToken.None).ConfigureAwait(false);
}
