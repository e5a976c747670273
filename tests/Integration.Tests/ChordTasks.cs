using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Members and callbacks of the chord tests (issue 12).</summary>
public static partial class ChordTasks
{
    /// <summary>A callback: the members' results in member order, as the test can check them.</summary>
    [Task]
    public static string Summed(IReadOnlyList<int> values, string label, [FromServices] Probe probe)
    {
        probe.Executed("total:" + label);
        return $"{label}: {values.Sum()} from [{string.Join(",", values)}]";
    }

    /// <summary>A callback taking an array.</summary>
    [Task]
    public static int Tally(int[] values, [FromServices] Probe probe)
    {
        probe.Executed("count:" + values.Length);
        return values.Length;
    }

    /// <summary>A member on queue "chord-a" that runs until the test opens the gate of <paramref name="key"/>.</summary>
    [Task(Queue = "chord-a")]
    public static async Task<int> GatedA(string key, int value, [FromServices] Probe probe)
    {
        using (probe.Enter())
        {
            await probe.Gate(key).Task;
        }

        return value;
    }

    /// <summary>The same on queue "chord-b", served by another worker.</summary>
    [Task(Queue = "chord-b")]
    public static async Task<int> GatedB(string key, int value, [FromServices] Probe probe)
    {
        using (probe.Enter())
        {
            await probe.Gate(key).Task;
        }

        return value;
    }

    /// <summary>A batch's callback: how the members ended, as the test can check it.</summary>
    [Task]
    public static string Outcome(BatchResult batch, string label, [FromServices] Probe probe)
    {
        probe.Executed("outcome:" + label);
        return $"{label}: {batch.Succeeded} of {batch.Total} succeeded, {batch.Failed} failed [{string.Join(",", batch.FailedMembers)}]";
    }

    /// <summary>A batch member without a result (fire and forget) that fails when asked to.</summary>
    [Task(IgnoreResult = true, MaxRetries = 0)]
    public static void Notify(int value, bool fail, [FromServices] Probe probe)
    {
        probe.Executed("notify:" + value);
        if (fail)
        {
            throw new InvalidOperationException($"notify {value} failed on purpose");
        }
    }

    /// <summary>An error callback (link_error): what failed, as the test can check it.</summary>
    [Task]
    public static string Failed(TaskFailure failure, string label, [FromServices] Probe probe)
    {
        probe.Executed("failed:" + label);
        return $"{label}: {failure.TaskId} ({failure.TaskName}) {failure.ErrorType}: {failure.Message}";
    }
}
