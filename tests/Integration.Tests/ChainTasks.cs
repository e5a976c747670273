using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

public sealed record Summary(string Text, int Length);

/// <summary>Steps of the chain tests (issue 12): int → string → record, a failing step, a step that waits for the test.</summary>
public static partial class ChainTasks
{
    [Task]
    public static int Double(int value, [FromServices] Probe probe)
    {
        probe.Executed("double:" + value);
        return value * 2;
    }

    [Task(Queue = "text")]
    public static string Describe(int number, string prefix, [FromServices] Probe probe)
    {
        probe.Executed("describe:" + prefix);
        return prefix + number;
    }

    [Task]
    public static Summary Summarize(string text, [FromServices] Probe probe)
    {
        probe.Executed("summarize:" + text);
        return new Summary(text, text.Length);
    }

    [Task(MaxRetries = 0)]
    public static string Explode(int number, [FromServices] Probe probe)
    {
        probe.Executed("explode:" + number);
        throw new InvalidOperationException($"step 1 exploded on {number}");
    }

    [Task]
    public static async Task<int> Hold(string key, [FromServices] Probe probe)
    {
        probe.StartedSignal(key).TrySetResult();
        await probe.Gate(key).Task;
        return key.Length;
    }

    /// <summary>Runs until the test opens the gate of <paramref name="key"/>; counts how many run at once.</summary>
    [Task]
    public static async Task<int> Gated(string key, [FromServices] Probe probe)
    {
        using (probe.Enter())
        {
            probe.Executed("gated:" + key);
            await probe.Gate(key).Task;
        }

        return key.Length;
    }

    /// <summary>Fails its first attempt with a retry due 100 ms later, then succeeds: a step's retry keeps its chain.</summary>
    [Task(MaxRetries = 2)]
    public static string FlakyDescribe(int number, TaskContext context, [FromServices] Probe probe)
    {
        probe.Attempted("flaky:" + number, context.Attempt);
        if (context.Attempt == 1)
        {
            throw context.Retry(TimeSpan.FromMilliseconds(100), new IOException("the first attempt fails"));
        }

        return $"attempt {context.Attempt}: {number}";
    }
}
