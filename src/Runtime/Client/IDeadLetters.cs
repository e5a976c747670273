namespace TypedTasks;

/// <summary>
/// The dead-letter queue: messages a worker could not run (unknown task, undecodable arguments, newer protocol,
/// worker lost), kept with their reason in the dead-letter stream. List them, requeue them (they keep their task
/// id, so existing handles still work), or purge them. Registered by <c>services.AddTypedTasks(…)</c>.
/// </summary>
public interface IDeadLetters
{
    /// <summary>Lists the dead letters, oldest first.</summary>
    /// <param name="queue">Only this queue's dead letters, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The dead letters.</returns>
    IAsyncEnumerable<DeadLetter> ListAsync(string? queue = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a dead letter back to its queue as it was (same id, arguments and attempt), clears the task's FAILURE
    /// record so the new outcome can be stored, and removes the dead letter.
    /// </summary>
    /// <param name="sequence">The dead letter's <see cref="DeadLetter.Sequence"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><see langword="false"/> when there is no such dead letter.</returns>
    ValueTask<bool> RequeueAsync(ulong sequence, CancellationToken cancellationToken = default);

    /// <summary>Requeues every dead letter (of one queue, or all).</summary>
    /// <param name="queue">Only this queue's dead letters, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>How many were requeued.</returns>
    ValueTask<int> RequeueAllAsync(string? queue = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the dead letters (of one queue, or all).</summary>
    /// <param name="queue">Only this queue's dead letters, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>How many were deleted.</returns>
    ValueTask<long> PurgeAsync(string? queue = null, CancellationToken cancellationToken = default);
}

/// <summary>A message a worker could not run, with the reason.</summary>
/// <param name="Sequence">Its sequence in the dead-letter stream: the handle for <see cref="IDeadLetters.RequeueAsync"/>.</param>
/// <param name="Queue">The queue it came from.</param>
/// <param name="TaskId">The task id, when the message had one.</param>
/// <param name="TaskName">The task name, when the message had one.</param>
/// <param name="Reason">Why it was dead-lettered.</param>
/// <param name="DeadAt">When it was dead-lettered.</param>
/// <param name="Arguments">The message body: the JSON object of named arguments.</param>
/// <param name="Headers">The original message headers.</param>
public sealed record DeadLetter(
    ulong Sequence,
    string Queue,
    string? TaskId,
    string? TaskName,
    string Reason,
    DateTimeOffset? DeadAt,
    ReadOnlyMemory<byte> Arguments,
    IReadOnlyDictionary<string, string> Headers);
