namespace TypedTasks.Eager;

/// <summary>Eager mode has no broker and so no dead letters: a task that cannot run fails in its result instead.</summary>
internal sealed class NoDeadLetters : IDeadLetters
{
    public async IAsyncEnumerable<DeadLetter> ListAsync(string? queue = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield break;
    }

    public ValueTask<bool> RequeueAsync(ulong sequence, CancellationToken cancellationToken = default) => new(false);

    public ValueTask<int> RequeueAllAsync(string? queue = null, CancellationToken cancellationToken = default) => new(0);

    public ValueTask<long> PurgeAsync(string? queue = null, CancellationToken cancellationToken = default) => new(0L);
}
