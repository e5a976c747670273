using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace TypedTasks.Bench;

/// <summary>
/// M: a worker in a process of its own (defaults), draining a pre-filled queue; reports its RSS and allocations.
/// Run by the bench as <c>TypedTasks.Bench --child-worker URL PREFIX N</c>.
/// </summary>
public static class ChildWorker
{
    public sealed record Report(int Tasks, double Seconds, long RssAfterDrain, long RssAfterGc, long PeakRss, long ManagedHeapAfterGc, long AllocatedDuringDrain, long AllocatedTotal)
    {
        public double AllocatedPerTask => (double)AllocatedDuringDrain / Tasks;
    }

    public static async Task<int> RunAsync(string url, string prefix, int n)
    {
        var names = new BenchNames(prefix);
        await using var monitor = new QueueMonitor(url);
        var counter = new Countdown(n);
        BenchTasks.Counter = counter;
        await using var side = await TypedSide.StartAsync(url, names, _ => { });
        await counter.Done.WaitAsync(TimeSpan.FromMinutes(10));
        await monitor.WaitEmptyAsync(names, TimeSpan.FromMinutes(1));
        var end = Stopwatch.GetTimestamp();
        var allocatedTotal = GC.GetTotalAllocatedBytes(true);
        var allocated = allocatedTotal - counter.FirstAllocated;
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var rssAfterDrain = self.WorkingSet64;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        self.Refresh();
        var report = new Report(n, Stopwatch.GetElapsedTime(counter.FirstTimestamp, end).TotalSeconds, rssAfterDrain, self.WorkingSet64, self.PeakWorkingSet64, GC.GetGCMemoryInfo().HeapSizeBytes, allocated, allocatedTotal);
        Console.WriteLine("CHILD-REPORT " + JsonSerializer.Serialize(report, ChildJson.Default.Report));
        return 0;
    }

    /// <summary>Fills a queue with <paramref name="n"/> echo tasks, then runs a child worker process on it.</summary>
    public static async Task<Report> MeasureAsync(string url, int n, int window, QueueMonitor monitor)
    {
        var names = BenchNames.Fresh("m");
        try
        {
            await using (var producer = await TypedSide.StartAsync(url, names))
            {
                await producer.EnqueueWindowedAsync(n, window, withResult: true);
            }

            var self = Environment.ProcessPath!;
            var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                start.FileName = self;
                start.ArgumentList.Add(typeof(ChildWorker).Assembly.Location);
            }
            else
            {
                start.FileName = self;
            }

            foreach (var arg in new[] { "--child-worker", url, names.Prefix, n.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(arg);
            }

            using var child = Process.Start(start)!;
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
            var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith("CHILD-REPORT ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"The child worker reported nothing (exit {child.ExitCode}):\n{await stdout}\n{await stderr}");
            return JsonSerializer.Deserialize(line["CHILD-REPORT ".Length..], ChildJson.Default.Report)!;
        }
        finally
        {
            await monitor.CleanupAsync(names);
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(ChildWorker.Report))]
internal sealed partial class ChildJson : System.Text.Json.Serialization.JsonSerializerContext;
