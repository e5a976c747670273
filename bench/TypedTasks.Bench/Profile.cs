using System.Text;

namespace TypedTasks.Bench;

/// <summary>
/// Figure P: where a draining worker's allocations and CPU go. A child worker process drains N pre-filled echo tasks
/// with an in-process allocation sampler (bytes per task by type), with the worker's defaults and with 64 slots.
/// Writes <c>bench/results/profile.md</c>. Nothing here is timed.
/// </summary>
public static class Profile
{
    public static async Task RunAsync(string url, BenchOptions options, QueueMonitor monitor, string root)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Where a draining worker spends (figure P)");
        sb.AppendLine();
        sb.AppendLine($"- date: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores; a child worker process drains {options.N:N0} pre-filled `echo` tasks (with result)");
        sb.AppendLine("- command: `./bench/run.sh P` (`dotnet run -c Release --project bench/TypedTasks.Bench -- P`)");
        sb.AppendLine("- allocations: sampled in-process from the runtime's GCAllocationTick events (one per ~100 KB, attributed to the type of the object that crossed it): shares are estimates, the total is exact to a few %");
        sb.AppendLine();
        foreach (var (label, extra) in new (string, string[])[] { ("worker defaults", []), ("Concurrency 64", ["--concurrency", "64"]) })
        {
            Console.WriteLine($"profile: allocations, {label} …");
            var (report, output) = await ChildWorker.RunChildAsync(url, options.N, options.Window, monitor, [.. extra, "--alloc-profile"], null);
            sb.AppendLine($"## Allocations per task by type, {label} ({report.AllocatedPerTask:N0} B per task measured, {report.Tasks / report.Seconds:N0} tasks/s while sampling)");
            sb.AppendLine();
            sb.AppendLine("| B/task | type |");
            sb.AppendLine("| ---: | --- |");
            foreach (var line in output.Split('\n').Where(l => l.StartsWith("ALLOC ", StringComparison.Ordinal)))
            {
                var parts = line["ALLOC ".Length..].Split('\t', 2);
                sb.AppendLine($"| {parts[0]} | `{parts[1].Trim()}` |");
            }

            sb.AppendLine();
        }

        // CPU: `dotnet-trace collect` (installable here as a dotnet tool) samples thread time, blocked threads included;
        // on this 2-core box its top-N is dominated by idle pool/timer/socket threads and says little. The CPU split
        // comes from the micro benchmarks (bench/results/micro.md) and the message count per task instead.
        var path = Path.Combine(root, "bench", "results", "profile.md");
        await File.WriteAllTextAsync(path, sb.ToString());
        Console.WriteLine($"written to {path}");
    }
}
