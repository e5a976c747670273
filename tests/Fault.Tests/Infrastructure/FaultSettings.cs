namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>The suite's switches, read from the environment (docs/reliability.md lists them).</summary>
public static class FaultSettings
{
    /// <summary><c>FAULT_FULL=1</c>: the full sizes (2,000 tasks × 3 kills × 5 runs, a 200,000-task soak, …);
    /// otherwise the bounded sizes CI runs.</summary>
    public static bool Full { get; } = Environment.GetEnvironmentVariable("FAULT_FULL") == "1";

    /// <summary>
    /// Assert the promise of docs/reliability.md, "a task whose final record exists does not run again", in every
    /// scenario (on by default since the server-crash scenario holds it; <c>FAULT_STRICT=0</c> only measures and reports
    /// the re-runs, for investigating a failure).
    /// </summary>
    public static bool StrictNoRerunAfterFinal { get; } = Environment.GetEnvironmentVariable("FAULT_STRICT") != "0";

    /// <summary>Where each scenario appends its result as a JSON line: <c>FAULT_RESULTS</c>, else
    /// <c>artifacts/fault/results.jsonl</c> under the repository root.</summary>
    public static string ResultsFile { get; } = Environment.GetEnvironmentVariable("FAULT_RESULTS") is { Length: > 0 } path
        ? path
        : Path.Combine(RepositoryRoot(), "artifacts", "fault", "results.jsonl");

    /// <summary>Picks the bounded or the full size.</summary>
    public static T Size<T>(T bounded, T full) => Full ? full : bounded;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TypedTasks.sln")))
            {
                return dir.FullName;
            }
        }

        return Path.GetTempPath();
    }
}
