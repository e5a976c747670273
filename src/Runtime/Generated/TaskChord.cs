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
    internal TaskChord(TaskGroup<TMember> group, PartialTaskCall callback, TaskDefinition<TResult> callbackTask, PartialTaskCall? onError = null)
    {
        Group = group;
        Callback = callback;
        CallbackTask = callbackTask;
        OnErrorCall = onError;
    }

    /// <summary>The error callback, when one is set (<see cref="OnError{TAny}"/>).</summary>
    public PartialTaskCall? OnErrorCall { get; }

    /// <summary>This chord with an error callback (Celery's <c>link_error</c>): when a member fails (after its retries, or
    /// dead-lettered) and so ends the chord, <paramref name="handler"/> is sent once with a <see cref="TaskFailure"/> — the
    /// member's id, task and error — as its first argument, under the task id <c>&lt;group id&gt;-error</c>.</summary>
    /// <typeparam name="TAny">The handler's result type (unused by the chord).</typeparam>
    /// <param name="handler">The generated <c>Partial(…)</c> of a task whose first parameter is a <see cref="TaskFailure"/>.</param>
    /// <returns>A new chord with the handler; this one is unchanged.</returns>
    public TaskChord<TMember, TResult> OnError<TAny>(PartialTaskCall<TaskFailure, TAny> handler)
        => new(Group, Callback, CallbackTask, handler ?? throw new ArgumentNullException(nameof(handler)));

    /// <summary>The members.</summary>
    public TaskGroup<TMember> Group { get; }

    /// <summary>The callback, with all its arguments but the first (the members' results).</summary>
    public PartialTaskCall Callback { get; }

    /// <summary>The callback's task, whose result the chord's handle yields.</summary>
    public TaskDefinition<TResult> CallbackTask { get; }

    /// <inheritdoc/>
    public bool Equals(TaskChord<TMember, TResult>? other) => other is not null && other.Group.Equals(Group) && other.Callback.Equals(Callback) && Equals(other.OnErrorCall, OnErrorCall);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TaskChord<TMember, TResult>);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Group, Callback);

    /// <inheritdoc/>
    public override string ToString() => $"chord: {Group} → {Callback}";
}
