namespace TypedTasks;

/// <summary>
/// How a batch ended (<c>TaskBatch.Of(calls).Then(callback)</c>): what its callback receives as its first argument once
/// every member has ended, whether it succeeded or not. On the wire: <c>{"Total":N,"Succeeded":…,"Failed":…,"FailedMembers":[…]}</c>.
/// </summary>
/// <param name="Total">How many members the batch has.</param>
/// <param name="Succeeded">How many ended <see cref="TaskState.Success"/>.</param>
/// <param name="Failed">How many did not: failed after their retries, dead-lettered, or revoked.</param>
/// <param name="FailedMembers">The indexes of those, in member order: member <c>n</c> is the task <c>&lt;batch id&gt;-n</c>.</param>
public sealed record BatchResult(int Total, int Succeeded, int Failed, IReadOnlyList<int> FailedMembers);
