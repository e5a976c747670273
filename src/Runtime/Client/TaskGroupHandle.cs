using System.Globalization;

namespace TypedTasks;

/// <summary>
/// A sent group (<c>client.SendGroupAsync(group)</c>): its id, its members' handles, and their results in member order.
/// Everything it says is read from the members' records in the result backend, so it works from any process.
/// </summary>
/// <typeparam name="TResult">The members' result type.</typeparam>
public sealed class TaskGroupHandle<TResult>
{
    private readonly TaskHandle<TResult>[] _members;

    internal TaskGroupHandle(string id, TaskHandle<TResult>[] members)
    {
        Id = id;
        _members = members;
    }

    /// <summary>The group's id; member <c>n</c> is the task <c>&lt;group id&gt;-n</c>.</summary>
    public string Id { get; }

    /// <summary>How many members the group has.</summary>
    public int Count => _members.Length;

    /// <summary>The members' handles, in member order.</summary>
    public IReadOnlyList<TaskHandle<TResult>> Members => _members;

    /// <summary>The task id of member <paramref name="index"/>: <c>&lt;group id&gt;-&lt;index&gt;</c>.</summary>
    /// <param name="groupId">The group's id.</param>
    /// <param name="index">The member, from 0.</param>
    /// <returns>The member's task id.</returns>
    public static string MemberId(string groupId, int index) => Protocol.PlanJson.TaskIdOf(groupId, index);

    /// <summary>Waits for every member and returns their results in member order. Wakes as members' results are stored;
    /// does not poll.</summary>
    /// <param name="timeout">How long to wait for all of them; <see cref="Timeout.InfiniteTimeSpan"/> for as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The results, one per member, in member order.</returns>
    /// <exception cref="TaskFailedException">A member failed: the first failed member in member order (its
    /// <see cref="TaskFailedException.TaskId"/> says which).</exception>
    /// <exception cref="TaskRevokedException">A member was revoked.</exception>
    /// <exception cref="TimeoutException">Not every member ended within <paramref name="timeout"/>.</exception>
    public async Task<IReadOnlyList<TResult>> GetAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = timeout == Timeout.InfiniteTimeSpan ? (DateTimeOffset?)null : DateTimeOffset.UtcNow + timeout;
        var results = new TResult[_members.Length];
        for (var i = 0; i < _members.Length; i++)
        {
            // In member order: by the time the first is done, most later ones usually are, and each wait returns at once.
            var left = deadline is { } end ? end - DateTimeOffset.UtcNow : Timeout.InfiniteTimeSpan;
            if (deadline is not null && left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Group {Id}: member {i} of {_members.Length} ({_members[i].Id}) had not ended within {timeout}.");
            }

            results[i] = await _members[i].GetAsync(left, cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>Waits for every member and returns their results in member order, however long it takes.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The results, in member order.</returns>
    /// <exception cref="TaskFailedException">A member failed: the first failed member in member order.</exception>
    public Task<IReadOnlyList<TResult>> GetAsync(CancellationToken cancellationToken = default) => GetAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>How many members have ended (SUCCESS, FAILURE or REVOKED), read from their records: one read per member,
    /// a few at a time (at most <see cref="TaskGroup.MaxMembers"/> reads).</summary>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The number of members whose record is final.</returns>
    /// <exception cref="ResultBackendNotConfiguredException">No result backend is configured.</exception>
    public async Task<int> CountFinishedAsync(CancellationToken cancellationToken = default)
    {
        var finished = 0;
        await Parallel.ForEachAsync(
            _members,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (member, ct) =>
            {
                if ((await member.GetStatusAsync(ct).ConfigureAwait(false)).IsFinal())
                {
                    Interlocked.Increment(ref finished);
                }
            }).ConfigureAwait(false);
        return finished;
    }

    /// <summary>Whether every member has ended.</summary>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>True when every member's record is final.</returns>
    public async Task<bool> IsFinishedAsync(CancellationToken cancellationToken = default)
        => await CountFinishedAsync(cancellationToken).ConfigureAwait(false) == _members.Length;

    /// <inheritdoc/>
    public override string ToString() => $"group[{Id}] of {Count}";
}
