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
    private readonly InMemoryResultStore _results;
    private readonly IServiceScopeFactory _scopes;
    private readonly EagerOptions _options;
    private readonly string _worker = "eager/" + Environment.ProcessId;

    public EagerTaskClient(InMemoryResultStore results, IServiceScopeFactory scopes, IOptions<EagerOptions> options)
        : base(results)
    {
        _results = results;
        _scopes = scopes;
        _options = options.Value;
    }

    protected override async ValueTask<string> SendAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var id = options?.TaskId ?? TaskClient.NewTaskId();
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
            Store(id, task, TaskState.Revoked, 1, sentAt, error: new TaskError(typeof(TaskRevokedException).FullName!, $"The task expired at {expires:O} before it could start.", null));
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
                context.ProgressSink = (progress, _) =>
                {
                    Store(id, task, TaskState.Started, attempt, startedAt, progress: progress);
                    return default;
                };
            }

            var failure = await RunAttemptAsync(task, id, body, context, cancellationToken).ConfigureAwait(false);
            if (failure.Error is null)
            {
                Store(id, task, TaskState.Success, attempt, startedAt, result: failure.Result);
                return id;
            }

            var cause = failure.Error is TaskRetryException { InnerException: { } inner } ? inner : failure.Error;
            if (failure.Retryable && RetryPolicy.WantsRetry(task, failure.Error) && context.Retries < maxRetries)
            {
                // The next attempt runs at once: eager mode waits for no retry delay.
                Store(id, task, TaskState.Retry, attempt, startedAt, error: Outcome.ErrorFrom(cause), next: DateTimeOffset.UtcNow);
                continue;
            }

            Store(id, task, TaskState.Failure, attempt, startedAt, error: Outcome.ErrorFrom(cause));
            if (_options.PropagateExceptions)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            }

            return id;
        }
    }

    private async Task<(ReadOnlyMemory<byte> Result, Exception? Error, bool Retryable)> RunAttemptAsync(TaskDefinition task, string id, ReadOnlyMemory<byte> body, TaskContext context, CancellationToken cancellationToken)
    {
        using var execution = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (task.SoftTimeLimit is { } soft)
        {
            execution.CancelAfter(soft);
        }

        var scope = _scopes.CreateAsyncScope();
        try
        {
            scope.ServiceProvider.GetService<TaskContextSlot>()?.Set(context);
            var invocation = new TaskInvocation(id, task.Name, body, scope.ServiceProvider, execution.Token, context);
            var invoked = task.Invoker(invocation).AsTask();
            if (task.TimeLimit is { } limit)
            {
                try
                {
                    await invoked.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    execution.Cancel();
                    _ = invoked.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    return (default, new TaskTimeLimitExceededException(limit), false);
                }
            }
            else
            {
                await invoked.ConfigureAwait(false);
            }

            return (invocation.ResultJson, null, false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TaskArgumentException ex)
        {
            // On a worker this is a dead letter; here the caller learns it from the result.
            return (default, ex, false);
        }
        catch (Exception ex)
        {
            return (default, ex, true);
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Store(string id, TaskDefinition task, TaskState state, int attempt, DateTimeOffset startedAt, ReadOnlyMemory<byte> result = default, TaskError? error = null, TaskProgress? progress = null, DateTimeOffset? next = null)
        => _results.Write(new TaskResultRecord
        {
            Id = id,
            TaskName = task.Name,
            State = state,
            ResultJson = result,
            Error = error,
            Attempts = attempt,
            Worker = _worker,
            StartedAt = startedAt,
            CompletedAt = state.IsFinal() ? DateTimeOffset.UtcNow : null,
            Progress = progress,
            NextAttemptAt = next,
        });
}
