namespace TypedTasks;

/// <summary>
/// A group and a callback, not sent (Celery's <c>chord(group, callback)</c>, written <c>TaskGroup.Of(calls).Then(callback)</c>):
/// the members run in parallel as normal tasks; once the last one succeeded, the callback is sent — exactly once — with
/// the members' results, in member order, as its first argument. A member that fails (or is revoked or dead-lettered)
/// ends the chord: the callback is never sent and its record says which member failed. Send it with
/// <c>client.SendChordAsync(chord)</c>, whose handle yields the callback's result. See docs/workflows.md.
/// A value: equal when the group and the callback are.
/// </summary>
/// <typeparam name="TMember">The members' result type.</typeparam>
/// <typeparam name="TResult">The callback's result type.</typeparam>
public sealed class TaskChord<TMember, TResult> : IEquatable<TaskChord<TMember, TResult>>
{
    internal TaskChord(TaskGroup<TMember> group, PartialTaskCall callback, TaskDefinition<TResult> callbackTask)
    {
        Group = group;
        Callback = callback;
        CallbackTask = callbackTask;
    }

    /// <summary>The members.</summary>
    public TaskGroup<TMember> Group { get; }

    /// <summary>The callback, with all its arguments but the first (the members' results).</summary>
    public PartialTaskCall Callback { get; }

    /// <summary>The callback's task, whose result the chord's handle yields.</summary>
    public TaskDefinition<TResult> CallbackTask { get; }

    /// <inheritdoc/>
    public bool Equals(TaskChord<TMember, TResult>? other) => other is not null && other.Group.Equals(Group) && other.Callback.Equals(Callback);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TaskChord<TMember, TResult>);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Group, Callback);

    /// <inheritdoc/>
    public override string ToString() => $"chord: {Group} → {Callback}";
}
