using TypedTasks.Backend;
using TypedTasks.Generated;
using TypedTasks.Protocol;

namespace TypedTasks;

/// <summary>What every <see cref="ITaskClient"/> shares: handles over its result store around its own way of sending.</summary>
internal abstract class TaskClientBase : ITaskClient
{
    private readonly ResultBackend _results;

    protected TaskClientBase(ResultBackend results) => _results = results;

    public async ValueTask<TaskHandle> EnqueueAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        var id = await SendAsync(task, arguments, options, cancellationToken).ConfigureAwait(false);
        return new TaskHandle(_results, id, task.Name, local: true);
    }

    public async ValueTask<TaskHandle<TResult>> EnqueueAsync<TArguments, TResult>(TaskDefinition<TResult> task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        var id = await SendAsync(task, arguments, options, cancellationToken).ConfigureAwait(false);
        return new TaskHandle<TResult>(_results, id, task, local: true);
    }

    public TaskHandle GetHandle(TaskDefinition task, string id)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(id);
        return new TaskHandle(_results, id, task.Name, local: false);
    }

    public TaskHandle<TResult> GetHandle<TResult>(TaskDefinition<TResult> task, string id)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(id);
        return new TaskHandle<TResult>(_results, id, task, local: false);
    }

    public async ValueTask<TaskHandle<TResult>> SendChainAsync<TResult>(TaskChain<TResult> chain, TaskOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var chainId = WorkflowId(options, "chain", "step n gets the task id '<chain id>-n'");

        var next = chain.Rest.Select(step => Step(step)!).ToArray();
        var plan = ChainPlan.First(chainId, next, Step(chain.OnErrorCall));
        // Throws past the plan's bounds, before anything is written.
        var header = plan.ToHeader();
        var info = new TaskChainInfo { Steps = chain.Count, Tasks = [chain.First.Task.Name, .. chain.Rest.Select(step => step.Task.Name)] };
        await _results.MarkChainPendingAsync(chainId, info, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        await SendChainAsync(chain.First, plan, header, cancellationToken).ConfigureAwait(false);
        // Watched under the chain's id: the steps' notifications are not the chain's.
        return new TaskHandle<TResult>(_results, chainId, chain.Last, local: false, ChainPlan.RecordTaskName);
    }

    public async ValueTask<TaskGroupHandle<TResult>> SendGroupAsync<TResult>(TaskGroup<TResult> group, TaskOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        var groupId = WorkflowId(options, "group", "member n gets the task id '<group id>-n'");

        await _results.MarkGroupPendingAsync(groupId, group.Count, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        var members = new TaskHandle<TResult>[group.Count];
        await SendMembersAsync(
            group.Count,
            async (index, ct) =>
            {
                var call = group.Members[index];
                var id = await SendAsync(call.Task, new RawTaskArguments(call.ArgumentsJson), new TaskOptions { TaskId = PlanJson.TaskIdOf(groupId, index) }, ct).ConfigureAwait(false);
                members[index] = new TaskHandle<TResult>(_results, id, call.Definition, local: true);
            },
            cancellationToken).ConfigureAwait(false);
        return new TaskGroupHandle<TResult>(groupId, members);
    }

    public TaskGroupHandle<TResult> GetGroupHandle<TResult>(TaskDefinition<TResult> task, string groupId, int count)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, TaskGroup.MaxMembers);
        var members = new TaskHandle<TResult>[count];
        for (var i = 0; i < count; i++)
        {
            members[i] = new TaskHandle<TResult>(_results, TaskGroupHandle<TResult>.MemberId(groupId, i), task, local: false);
        }

        return new TaskGroupHandle<TResult>(groupId, members);
    }

    /// <summary>How many members of a group are sent at once.</summary>
    private const int SendParallelism = 16;

    /// <summary>Sends the members of a group, chord or batch a few at a time: each send waits for the broker's ack, so one
    /// by one a big group is slow.</summary>
    protected static Task SendMembersAsync(int count, Func<int, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
        => Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = SendParallelism, CancellationToken = cancellationToken }, send);

    public ValueTask<TaskHandle<TResult>> SendChordAsync<TMember, TResult>(TaskChord<TMember, TResult> chord, TaskOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chord);
        return SendWithCallbackAsync(chord.Group.Members, chord.Callback, chord.CallbackTask, batch: false, Step(chord.OnErrorCall), WorkflowId(options, "chord", "member n gets the task id '<group id>-n', the callback '<group id>-callback'"), cancellationToken);
    }

    public ValueTask<TaskHandle<TResult>> SendBatchAsync<TResult>(TaskBatch<TResult> batch, TaskOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return SendWithCallbackAsync(batch.Batch.Members, batch.Callback, batch.CallbackTask, batch: true, onError: null, WorkflowId(options, "batch", "member n gets the task id '<batch id>-n', the callback '<batch id>-callback'"), cancellationToken);
    }

    /// <summary>A chord or a batch: the group's record, then the members, each carrying the plan (the callback sent by
    /// whichever member completes the group); the handle watches the callback's record.</summary>
    private async ValueTask<TaskHandle<TResult>> SendWithCallbackAsync<TResult>(IReadOnlyList<TaskCall> members, PartialTaskCall callbackCall, TaskDefinition<TResult> callbackTask, bool batch, ChainStep? onError, string groupId, CancellationToken cancellationToken)
    {
        var callback = Step(callbackCall)!;
        // Throws past the plan's bounds, before anything is written (the last member's plan is the longest).
        _ = ChordPlan.Member(groupId, members.Count - 1, members.Count, callback, batch, onError).ToHeader();
        await _results.MarkGroupPendingAsync(groupId, members.Count, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        await SendChordAsync(members, groupId, callback, batch, onError, cancellationToken).ConfigureAwait(false);
        // Watched under the callback's id: the members' notifications are not the group's.
        return new TaskHandle<TResult>(_results, ChordPlan.CallbackIdOf(groupId), callbackTask, local: false);
    }

    /// <summary>A partial call as a plan carries it.</summary>
    private static ChainStep? Step(PartialTaskCall? call)
        => call is null ? null : new ChainStep(call.Task.Name, call.Task.Queue, call.ArgumentName, call.ArgumentsJson);

    /// <summary>The id of a chain, group, chord or batch: <see cref="TaskOptions.TaskId"/> or a new one; no other option is taken.</summary>
    private static string WorkflowId(TaskOptions? options, string what, string idsNote)
    {
        if (options is { Queue: not null } or { Countdown: not null } or { Eta: not null } or { Expires: not null } or { MaxRetries: not null })
        {
            throw new ArgumentException($"A {what} takes only TaskOptions.TaskId (the {what}'s id) for now; queues, times and retries come from each task's [Task].", nameof(options));
        }

        var id = options?.TaskId ?? RandomIds.NewTaskId();
        if (id.Length > PlanJson.MaxWorkflowIdLength || !NatsNames.IsValidTaskId(id))
        {
            throw new ArgumentException($"The {what} id '{id}' is not valid: use 1 to {PlanJson.MaxWorkflowIdLength} letters, digits, '-' and '_' ({idsNote}).", nameof(options));
        }

        return id;
    }

    /// <summary>Sends (or, eagerly, runs) the members of a chord or, with <paramref name="batch"/>, a batch, each with its
    /// plan; the member that completes the group sends the callback.</summary>
    protected abstract ValueTask SendChordAsync(IReadOnlyList<TaskCall> members, string groupId, ChainStep callback, bool batch, ChainStep? onError, CancellationToken cancellationToken);

    /// <summary>Sends (or, eagerly, runs) the first step of a chain whose plan is <paramref name="plan"/>.</summary>
    protected abstract ValueTask SendChainAsync(TaskCall first, ChainPlan plan, string header, CancellationToken cancellationToken);

    /// <summary>Sends (or, eagerly, runs) the task and returns its id.</summary>
    protected abstract ValueTask<string> SendAsync<TArguments>(TaskDefinition task, TArguments arguments, TaskOptions? options, CancellationToken cancellationToken)
        where TArguments : ITaskArguments;
}
