using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Generated;

namespace TypedTasks.Executor;

/// <summary>
/// Runs one task (Celery's <c>trace.py</c>): a DI scope per run, the task context, the arguments through the
/// generated invoker, soft and hard time limits, cancellation, and the retry decision. The worker and eager mode both
/// run tasks here and only differ in what they do with the <see cref="Execution"/>.
/// </summary>
internal sealed class TaskExecutor(IServiceScopeFactory scopes)
{
    /// <summary>Runs <paramref name="task"/> once.</summary>
    /// <param name="task">The task.</param>
    /// <param name="context">The run's view of itself; its <see cref="TaskContext.MaxRetries"/> bounds retries.</param>
    /// <param name="arguments">The JSON object of named arguments.</param>
    /// <param name="shutdown">Cancelled when the host stops: the run is <see cref="ExecutionKind.Abandoned"/>.</param>
    /// <param name="track">Registers the run's cancellation with revocations (worker); null in eager mode.</param>
    /// <param name="started">Called in the run's scope just before the method runs (the worker's started event).</param>
    public async ValueTask<Execution> RunAsync(
        TaskDefinition task,
        TaskContext context,
        ReadOnlyMemory<byte> arguments,
        CancellationToken shutdown,
        Func<string, CancellationTokenSource, ITerminationSignal>? track = null,
        Func<ValueTask>? started = null)
    {
        using var execution = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        if (task.SoftTimeLimit is { } soft)
        {
            execution.CancelAfter(soft);
        }

        using var running = track?.Invoke(context.Id, execution);
        var scope = scopes.CreateAsyncScope();
        try
        {
            scope.ServiceProvider.GetService<TaskContextSlot>()?.Set(context);
            if (started is not null)
            {
                await started().ConfigureAwait(false);
            }

            var invocation = new TaskInvocation(context.Id, task.Name, arguments, scope.ServiceProvider, execution.Token, context);
            var invoked = task.Invoker(invocation).AsTask();
            if (task.TimeLimit is { } limit)
            {
                try
                {
                    await invoked.WaitAsync(limit, shutdown).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // .NET cannot stop a running method: cancel it, stop waiting, free the slot. Never retried.
                    execution.Cancel();
                    _ = invoked.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    return new Execution(ExecutionKind.Failed, Exception: new TaskTimeLimitExceededException(limit));
                }
            }
            else
            {
                await invoked.ConfigureAwait(false);
            }

            return new Execution(ExecutionKind.Succeeded, invocation.ResultJson);
        }
        catch (TaskArgumentException ex)
        {
            return new Execution(ExecutionKind.BadArguments, Exception: ex);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            return new Execution(ExecutionKind.Abandoned);
        }
        catch (OperationCanceledException ex) when (running is { Terminated: true })
        {
            return new Execution(ExecutionKind.Terminated, Exception: ex);
        }
        catch (Exception ex)
        {
            var cause = ex is TaskRetryException { InnerException: { } inner } ? inner : ex;
            if (RetryPolicy.WantsRetry(task, ex) && context.Retries < context.MaxRetries)
            {
                return new Execution(ExecutionKind.RetryDue, Exception: cause, RetryDelay: RetryPolicy.Delay(task, context.Attempt, (ex as TaskRetryException)?.Countdown, Random.Shared));
            }

            return new Execution(ExecutionKind.Failed, Exception: cause);
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }
}
