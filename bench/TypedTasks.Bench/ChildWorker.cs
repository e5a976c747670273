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
    public sealed record Report(int Tasks, double Seconds, long RssAfterDrain, long RssAfterGc, long PeakRss, long ManagedHeapAfterGc, long GcCommittedAfterGc, long AllocatedDuringDrain, long AllocatedTotal)
    {
        public double AllocatedPerTask => (double)AllocatedDuringDrain / Tasks;
    }

    /// <summary>The child: <c>--child-worker URL PREFIX N [--alloc-profile] [--concurrency C] [--prefetch P]</c>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var (url, prefix, n) = (args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
        var allocProfile = args.Contains("--alloc-profile");
        int? concurrency = args.SkipWhile(a => a != "--concurrency").Skip(1).Select(a => (int?)int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault();
        int? prefetch = args.SkipWhile(a => a != "--prefetch").Skip(1).Select(a => (int?)int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault();
        int? stopAfter = args.SkipWhile(a => a != "--stop-after").Skip(1).Select(a => (int?)int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault();
        var names = new BenchNames(prefix);
        await using var monitor = new QueueMonitor(url);
        using var sampler = allocProfile ? new AllocationSampler() : null;
        // --stop-after K: measure after K executions while the rest of the queue is still waiting.
        var counter = new Countdown(stopAfter ?? n);
        n = stopAfter ?? n;
        BenchTasks.Counter = counter;
        await using var side = await TypedSide.StartAsync(url, names, o =>
        {
            if (concurrency is { } c)
            {
                o.Concurrency = c;
            }

            o.Prefetch = prefetch;
        });
        sampler?.Start();
        await counter.Done.WaitAsync(TimeSpan.FromMinutes(10));
        if (stopAfter is null)
        {
            await monitor.WaitEmptyAsync(names, TimeSpan.FromMinutes(1));
        }

        var end = Stopwatch.GetTimestamp();
        sampler?.Stop();
        if (sampler is not null)
        {
            foreach (var (type, bytes) in sampler.Top(30))
            {
                Console.WriteLine($"ALLOC {(double)bytes / n:F0}\t{type}");
            }

            Console.WriteLine($"ALLOC-TOTAL {(double)sampler.Total / n:F0}");
        }

        var allocatedTotal = GC.GetTotalAllocatedBytes(true);
        var allocated = allocatedTotal - counter.FirstAllocated;
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var rssAfterDrain = self.WorkingSet64;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        self.Refresh();
        var report = new Report(n, Stopwatch.GetElapsedTime(counter.FirstTimestamp, end).TotalSeconds, rssAfterDrain, self.WorkingSet64, self.PeakWorkingSet64, GC.GetGCMemoryInfo().HeapSizeBytes, GC.GetGCMemoryInfo().TotalCommittedBytes, allocated, allocatedTotal);
        Console.WriteLine("CHILD-REPORT " + JsonSerializer.Serialize(report, ChildJson.Default.Report));
        return 0;
    }

    /// <summary>Fills a queue with <paramref name="n"/> echo tasks, then runs a child worker process on it.</summary>
    public static async Task<Report> MeasureAsync(string url, int n, int window, QueueMonitor monitor, string[]? extraArgs = null)
        => (await RunChildAsync(url, n, window, monitor, extraArgs ?? [], null)).Report;

    /// <summary>Fills a queue, then runs a child worker on it with extra arguments, optionally under a wrapper command
    /// (e.g. <c>dotnet-trace collect … --</c>); returns its report and its whole output.</summary>
    public static async Task<(Report Report, string Output)> RunChildAsync(string url, int n, int window, QueueMonitor monitor, string[] extraArgs, string[]? wrapper)
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
            var command = new List<string>(wrapper ?? []) { self };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                command.Add(typeof(ChildWorker).Assembly.Location);
            }

            start.FileName = command[0];
            foreach (var arg in command.Skip(1).Concat(["--child-worker", url, names.Prefix, n.ToString(CultureInfo.InvariantCulture)]).Concat(extraArgs))
            {
                start.ArgumentList.Add(arg);
            }

            using var child = Process.Start(start)!;
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
            var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith("CHILD-REPORT ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"The child worker reported nothing (exit {child.ExitCode}):\n{await stdout}\n{await stderr}");
            return (JsonSerializer.Deserialize(line["CHILD-REPORT ".Length..], ChildJson.Default.Report)!, await stdout);
        }
        finally
        {
            await monitor.CleanupAsync(names);
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(ChildWorker.Report))]
internal sealed partial class ChildJson : System.Text.Json.Serialization.JsonSerializerContext;
