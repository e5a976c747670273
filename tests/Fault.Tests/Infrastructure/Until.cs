namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>
/// Waits for a condition that has no event of its own (a ledger file growing, a consumer's pending count): checks it,
/// then again after each short period, until it holds or the timeout passes. The period bounds the reaction time, not
/// the correctness; the timeout fails the test with what was seen.
/// </summary>
public static class Until
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (!await condition())
            {
                await Task.Delay(Period, cts.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Not within {timeout}: {describe()}");
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken)
        => TrueAsync(() => Task.FromResult(condition()), timeout, describe, cancellationToken);
}
