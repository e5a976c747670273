namespace TypedTasks.WorkerHost;

/// <summary>The fault suite's task (<c>tests/Fault.Tests</c>): marks its start and end in the <see cref="FaultLedger"/>.</summary>
public static partial class FaultTasks
{
    /// <summary>Writes <c>S</c>, works for <paramref name="durationMs"/> (0: not at all), writes <c>E</c>, returns
    /// <paramref name="n"/>. Default task settings on purpose: what a user gets without asking for more.</summary>
    [Task(Name = "fault.work")]
    public static async Task<int> FaultWork(int n, int durationMs, TaskContext context, CancellationToken ct)
    {
        FaultLedger.Write('S', context.Id, context.Attempt);
        if (durationMs > 0)
        {
            await Task.Delay(durationMs, ct);
        }

        FaultLedger.Write('E', context.Id, context.Attempt);
        return n;
    }

    /// <summary>A chord's callback: marks its start and end in the ledger (so a test counts its runs exactly), returns the sum
    /// of the members' results.</summary>
    [Task(Name = "fault.chord-sum")]
    public static long ChordSum(IReadOnlyList<int> values, TaskContext context)
    {
        FaultLedger.Write('S', context.Id, context.Attempt);
        long sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }

        FaultLedger.Write('E', context.Id, context.Attempt);
        return sum;
    }
}
