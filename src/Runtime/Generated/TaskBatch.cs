namespace TypedTasks;

/// <summary>
/// Tasks run in parallel whose callback learns how they ended (a batch): <c>TaskBatch.Of(calls).Then(callback)</c>. Unlike
/// a chord's, the members may be any tasks — with a result or without (fire and forget) — and a member that fails does not
/// stop the callback: it runs exactly once, after the last member ended, with a <see cref="BatchResult"/>. See
/// docs/workflows.md.
/// </summary>
public sealed class TaskBatch : IEquatable<TaskBatch>
{
    private readonly TaskCall[] _members;

    private TaskBatch(TaskCall[] members) => _members = members;

    /// <summary>The members, in order.</summary>
    public IReadOnlyList<TaskCall> Members => _members;

    /// <summary>How many members the batch has.</summary>
    public int Count => _members.Length;

    /// <summary>A batch of the calls, in order.</summary>
    /// <param name="calls">The members: the generated <c>Call(…)</c> of any tasks.</param>
    /// <returns>The batch.</returns>
    /// <exception cref="ArgumentException">No calls, a null call, or more than <see cref="TaskGroup.MaxMembers"/>.</exception>
    public static TaskBatch Of(IEnumerable<TaskCall> calls) => new(TaskGroup.Members(calls, "batch", "batches"));

    /// <summary>A batch of the calls, in order.</summary>
    /// <param name="calls">The members.</param>
    /// <returns>The batch.</returns>
    /// <exception cref="ArgumentException">No calls, a null call, or more than <see cref="TaskGroup.MaxMembers"/>.</exception>
    public static TaskBatch Of(params TaskCall[] calls) => Of((IEnumerable<TaskCall>)calls);

    /// <summary>This batch, then <paramref name="callback"/> with how its members ended (a <see cref="BatchResult"/>) as its
    /// first argument — sent once, after the last member ended, however they ended.</summary>
    /// <typeparam name="TResult">The callback's result type.</typeparam>
    /// <param name="callback">The callback: the generated <c>Partial(…)</c> of a task whose first parameter is a
    /// <see cref="BatchResult"/>.</param>
    /// <returns>The batch with its callback.</returns>
    public TaskBatch<TResult> Then<TResult>(PartialTaskCall<BatchResult, TResult> callback)
        => new(this, callback ?? throw new ArgumentNullException(nameof(callback)), callback.Definition);

    /// <inheritdoc/>
    public bool Equals(TaskBatch? other) => other is not null && other._members.AsSpan().SequenceEqual(_members);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TaskBatch);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var member in _members)
        {
            hash.Add(member);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => $"batch of {Count}: " + string.Join(" & ", _members.Take(3).Select(m => m.ToString())) + (Count > 3 ? " & …" : string.Empty);
}

/// <summary>A batch and its callback, not sent: <c>client.SendBatchAsync(batch)</c> sends it (see <see cref="TaskBatch"/>).
/// A value: equal when the members and the callback are.</summary>
/// <typeparam name="TResult">The callback's result type.</typeparam>
public sealed class TaskBatch<TResult> : IEquatable<TaskBatch<TResult>>
{
    internal TaskBatch(TaskBatch members, PartialTaskCall callback, TaskDefinition<TResult> callbackTask)
    {
        Batch = members;
        Callback = callback;
        CallbackTask = callbackTask;
    }

    /// <summary>The members.</summary>
    public TaskBatch Batch { get; }

    /// <summary>The callback, with all its arguments but the first (the <see cref="BatchResult"/>).</summary>
    public PartialTaskCall Callback { get; }

    /// <summary>The callback's task, whose result the batch's handle yields.</summary>
    public TaskDefinition<TResult> CallbackTask { get; }

    /// <inheritdoc/>
    public bool Equals(TaskBatch<TResult>? other) => other is not null && other.Batch.Equals(Batch) && other.Callback.Equals(Callback);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TaskBatch<TResult>);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Batch, Callback);

    /// <inheritdoc/>
    public override string ToString() => $"{Batch} → {Callback}";
}
