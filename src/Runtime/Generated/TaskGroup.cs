namespace TypedTasks;

/// <summary>
/// Makes groups of calls (Celery's <c>group(add.s(2, 2), add.s(4, 4))</c>): <c>TaskGroup.Of(calls)</c>. See
/// <see cref="TaskGroup{TResult}"/> and docs/workflows.md.
/// </summary>
public static class TaskGroup
{
    /// <summary>The most members a group may have: its handle reads one record per member, and the members are sent one by
    /// one, so a bigger group is better split.</summary>
    public const int MaxMembers = 10_000;

    /// <summary>A group of the calls, in order.</summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="calls">The members: the generated <c>Call(…)</c> of tasks returning <typeparamref name="TResult"/>.</param>
    /// <returns>The group.</returns>
    /// <exception cref="ArgumentException">No calls, a null call, or more than <see cref="MaxMembers"/>.</exception>
    public static TaskGroup<TResult> Of<TResult>(IEnumerable<TaskCall<TResult>> calls) => new(Members(calls, "group", "groups"));

    /// <summary>The members of a group or batch: 1 to <see cref="MaxMembers"/> calls, none null.</summary>
    internal static T[] Members<T>(IEnumerable<T> calls, string what, string whats)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(calls);
        var members = new List<T>();
        foreach (var call in calls)
        {
            if (members.Count == MaxMembers)
            {
                throw new ArgumentException($"A {what} has at most {MaxMembers} members; split the work into several {whats}.", nameof(calls));
            }

            members.Add(call ?? throw new ArgumentException($"A {what}'s calls must not be null.", nameof(calls)));
        }

        if (members.Count == 0)
        {
            throw new ArgumentException($"A {what} needs at least one call.", nameof(calls));
        }

        return members.ToArray();
    }

    /// <summary>A group of the calls, in order.</summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="calls">The members.</param>
    /// <returns>The group.</returns>
    /// <exception cref="ArgumentException">No calls, a null call, or more than <see cref="MaxMembers"/>.</exception>
    public static TaskGroup<TResult> Of<TResult>(params TaskCall<TResult>[] calls) => Of((IEnumerable<TaskCall<TResult>>)calls);
}

/// <summary>
/// Tasks that run in parallel, not sent (Celery's <c>group</c>): each member is a normal task, with the id
/// <c>&lt;group id&gt;-&lt;index&gt;</c>; send them with <c>client.SendGroupAsync(group)</c>, whose handle yields the members'
/// results in member order. At most <see cref="TaskGroup.MaxMembers"/> members. A value: equal when the members are.
/// </summary>
/// <typeparam name="TResult">The members' result type.</typeparam>
public sealed class TaskGroup<TResult> : IEquatable<TaskGroup<TResult>>
{
    private readonly TaskCall<TResult>[] _members;

    internal TaskGroup(TaskCall<TResult>[] members) => _members = members;

    /// <summary>The members, in order.</summary>
    public IReadOnlyList<TaskCall<TResult>> Members => _members;

    /// <summary>How many members the group has.</summary>
    public int Count => _members.Length;

    /// <summary>A chord (Celery's <c>chord(group, callback)</c>): this group, then <paramref name="callback"/> with the members'
    /// results, in member order, as its first argument — sent once, after the last member succeeded. Compiles only when the
    /// callback's first parameter is an <see cref="IReadOnlyList{T}"/> of <typeparamref name="TResult"/>.</summary>
    /// <typeparam name="TNext">The callback's result type.</typeparam>
    /// <param name="callback">The callback: the generated <c>Partial(…)</c> of a task, with all but its first argument.</param>
    /// <returns>The chord.</returns>
    public TaskChord<TResult, TNext> Then<TNext>(PartialTaskCall<IReadOnlyList<TResult>, TNext> callback)
        => new(this, callback ?? throw new ArgumentNullException(nameof(callback)), callback.Definition);

    /// <summary>A chord whose callback takes the results as an array (see <see cref="Then{TNext}(PartialTaskCall{IReadOnlyList{TResult}, TNext})"/>).</summary>
    /// <typeparam name="TNext">The callback's result type.</typeparam>
    /// <param name="callback">The callback: the generated <c>Partial(…)</c> of a task, with all but its first argument.</param>
    /// <returns>The chord.</returns>
    public TaskChord<TResult, TNext> Then<TNext>(PartialTaskCall<TResult[], TNext> callback)
        => new(this, callback ?? throw new ArgumentNullException(nameof(callback)), callback.Definition);

    /// <summary>A chord whose callback takes the results as a list (see <see cref="Then{TNext}(PartialTaskCall{IReadOnlyList{TResult}, TNext})"/>).</summary>
    /// <typeparam name="TNext">The callback's result type.</typeparam>
    /// <param name="callback">The callback: the generated <c>Partial(…)</c> of a task, with all but its first argument.</param>
    /// <returns>The chord.</returns>
    public TaskChord<TResult, TNext> Then<TNext>(PartialTaskCall<List<TResult>, TNext> callback)
        => new(this, callback ?? throw new ArgumentNullException(nameof(callback)), callback.Definition);

    /// <inheritdoc/>
    public bool Equals(TaskGroup<TResult>? other) => other is not null && other._members.AsSpan().SequenceEqual(_members);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TaskGroup<TResult>);

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
    public override string ToString() => $"group of {Count}: " + string.Join(" & ", _members.Take(3).Select(m => m.ToString())) + (Count > 3 ? " & …" : string.Empty);
}
