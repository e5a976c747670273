using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TypedTasks;
using TypedTasks.Bench;

// TypedTasks end-to-end bench: raw NATS.Net vs TypedTasks on a nats-server of its own. See bench/README.md.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (args.Length >= 4 && args[0] == "--child-worker")
{
    return await ChildWorker.RunAsync(args);
}

if (args.Length >= 3 && args[0] == "--raw-side")
{
    return await RawProcess.ChildAsync(args);
}

if (args.Length >= 4 && args[0] == "--scale-worker")
{
    return await Scale.ChildAsync(args);
}

var options = BenchOptions.Parse(args);
if (options is null)
{
    return 2;
}

await using var server = new NatsServerProcess { MaxPayload = options.Has("scale") ? Scale.MaxPayload : null };
await server.StartAsync();
Console.WriteLine($"nats-server {server.Version} on {server.Url}; N = {options.N}, runs = {options.Runs}, window = {options.Window}, figures = {string.Join(",", options.Figures)}");
await using var monitor = new QueueMonitor(server.Url);
var results = new Results(options);
var url = server.Url;

Task<Measurement> TimedAsync(int n, Func<Task> body) => RawRuns.TimedAsync(n, body);
var firstCleanupShown = 0;

// BENCH_VARZ=1: what the server saw per task (messages and bytes in and out), a diagnostic.
static void PrintVarz(string what, int n, long[]? before, long[]? after)
{
    if (before is not null && after is not null)
    {
        Console.WriteLine($"  varz {what,-10} in {(after[0] - before[0]) / (double)n:F2} msgs {(after[1] - before[1]) / (double)n:F0} B  out {(after[2] - before[2]) / (double)n:F2} msgs {(after[3] - before[3]) / (double)n:F0} B per task");
    }
}

// The raw baseline in a process of its own unless --raw-in-process (RawProcess.cs says why).
await using var rawProcess = options.RawInProcess || !options.Figures.Overlaps(["E1", "E2", "D1", "D2", "L"]) ? null : RawProcess.Start(url, server.ProcessId!.Value);

Task<Measurement> RawEnqueueAsync(int n, bool windowed)
    => rawProcess?.EnqueueAsync(n, windowed, options.Window) ?? RawRuns.EnqueueAsync(url, monitor, n, windowed, options.Window);

async Task<Measurement> TypedEnqueueAsync(int n, bool windowed)
{
    var names = BenchNames.Fresh("t");
    try
    {
        await using var typed = await TypedSide.StartAsync(url, names);
        await typed.EnqueueSequentialAsync(200, withResult: true);
        var before = await NatsServerProcess.VarzAsync();
        var m = await TimedAsync(n, () => windowed
            ? typed.EnqueueWindowedAsync(n, options.Window, withResult: true)
            : typed.EnqueueSequentialAsync(n, withResult: true));
        PrintVarz("enqueue", n, before, await NatsServerProcess.VarzAsync());
        return m;
    }
    finally
    {
        await monitor.CleanupAsync(names);
    }
}

Task<Measurement> RawDrainAsync(int n, bool withResult)
    => rawProcess?.DrainAsync(n, withResult, options.Window) ?? RawRuns.DrainAsync(url, monitor, n, withResult, options.Window);

// The worker configurations of the drains: defaults; "64 in flight on both sides" (64 slots, at most 64 outcomes being
// stored, like the raw baseline's 64 puts); and a diagnostic one: default slots with a 64-message fetch window.
static void Defaults(WorkerOptions o)
{
}

static void InFlight64(WorkerOptions o)
{
    o.Concurrency = 64;
    o.MaxPendingOutcomes = 64;
}

static void Window64(WorkerOptions o) => o.Prefetch = 64 - o.Concurrency;

async Task<Measurement> TypedDrainAsync(int n, bool withResult, Action<WorkerOptions> worker)
{
    var names = BenchNames.Fresh("t");
    try
    {
        var before = await NatsServerProcess.VarzAsync();
        var m = await TypedSide.DrainAsync(url, names, n, withResult, worker, monitor, options.Window);
        PrintVarz("fill+drain", n, before, await NatsServerProcess.VarzAsync());
        return m;
    }
    finally
    {
        await monitor.CleanupAsync(names);
        if (Interlocked.Exchange(ref firstCleanupShown, 1) == 0)
        {
            Console.WriteLine($"  a TypedTasks drain leaves {monitor.LastCleanup} streams, deleted after each measurement");
        }
    }
}

Task<(double[] Latencies, double CpuPerRoundTrip)> RawRoundTripAsync(int count, int warmup)
    => rawProcess?.RoundTripAsync(count, warmup) ?? RawRuns.RoundTripAsync(url, monitor, count, warmup);

Task<double[]> RawKvGetAsync(int count, int warmup)
    => rawProcess?.KvGetAsync(count, warmup) ?? RawRuns.KvGetAsync(url, monitor, count, warmup);

// L's typed side: one host for the warm-up and every measured run, so that L times the round trips of a worker that has
// been up for a while. With a new host per run, each run's round trips shared the two cores with that host's start-up and
// the tiering it set off, which moved a build's L by 10 % and more between sittings (bench/results/ab-2026-12-08.md).
TypedSide? roundTripHost = null;
var roundTripNames = BenchNames.Fresh("t");
async Task<double[]> TypedRoundTripAsync(int count, int warmup)
{
    roundTripHost ??= await TypedSide.StartAsync(url, roundTripNames, _ => { });
    return await roundTripHost.RoundTripAsync(count, warmup);
}

// Warm-up: every measured path, untimed, round after round until the JIT is quiet. Tiered compilation recompiles hot methods
// (tier 0, then instrumented, then tier 1 with dynamic PGO) over seconds of work, in the background: after a single small
// round, the first measured drains shared the two cores with up to a second of JIT each (bench/results/ab-2026-12-07.md).
// The warm-up ends after a round whose timed parts all had the JIT under 2 % of their time, or after MaxWarmRounds.
const int MaxWarmRounds = 8;
var warm = Math.Min(options.N, 5000);
Console.WriteLine("warm-up until the JIT is quiet …");
async Task WarmAsync(string what, Func<Task<Measurement[]>> round)
{
    for (var i = 1; ; i++)
    {
        var share = (await round()).Max(m => m.JitShare);
        if (share < 0.02 || i == MaxWarmRounds)
        {
            Console.WriteLine($"  {what}: {i} rounds (JIT at most {share:P1} of a timed part in the last)");
            return;
        }
    }
}

if (options.Has("E1") || options.Has("E2"))
{
    await WarmAsync("E1/E2", async () =>
    [
        await RawEnqueueAsync(warm, windowed: true),
        await TypedEnqueueAsync(warm, windowed: true),
        await RawEnqueueAsync(warm / 4, windowed: false),
        await TypedEnqueueAsync(warm / 4, windowed: false),
    ]);
}

if (options.Has("D1") || options.Has("D2"))
{
    await WarmAsync("D1/D2", async () =>
    [
        await RawDrainAsync(warm, withResult: true),
        await TypedDrainAsync(warm, withResult: true, Defaults),
        await TypedDrainAsync(warm, withResult: true, InFlight64),
        await TypedDrainAsync(warm, withResult: true, Window64),
        await RawDrainAsync(warm, withResult: false),
        await TypedDrainAsync(warm, withResult: false, Defaults),
        await TypedDrainAsync(warm, withResult: false, InFlight64),
        await TypedDrainAsync(warm, withResult: false, Window64),
    ]);
}

if (options.Has("L"))
{
    // Round trips likewise, in the host the measured runs use: rounds of 200 raw and 200 typed round trips (each after 50
    // unmeasured ones) until the JIT took under 2 % of a round's 200 typed ones, at most MaxWarmRounds. Two fixed rounds
    // left one build's first measured run compiling for most of its time (bench/results/ab-2026-12-08.md, sitting 5).
    for (var i = 1; ; i++)
    {
        await RawRoundTripAsync(200, 50);
        await TypedRoundTripAsync(200, 50);
        if (TypedSide.LastJitShare < 0.02 || i == MaxWarmRounds)
        {
            Console.WriteLine($"  L: {i} rounds (JIT {TypedSide.LastJitShare:P1} of the typed round trips' time in the last)");
            break;
        }
    }
}

for (var run = 1; run <= options.Runs; run++)
{
    Console.WriteLine($"run {run}/{options.Runs}");
    if (options.Has("E1"))
    {
        results.Add("E1", "raw", await RawEnqueueAsync(options.N, windowed: false));
        results.Add("E1", "tt", await TypedEnqueueAsync(options.N, windowed: false));
    }

    if (options.Has("E2"))
    {
        results.Add("E2", "raw", await RawEnqueueAsync(options.N, windowed: true));
        results.Add("E2", "tt", await TypedEnqueueAsync(options.N, windowed: true));
    }

    if (options.Has("D1"))
    {
        results.Add("D1", "raw", await RawDrainAsync(options.N, withResult: false));
        results.Add("D1", "tt", await TypedDrainAsync(options.N, withResult: false, Defaults));
        results.Add("D1-64", "tt", await TypedDrainAsync(options.N, withResult: false, InFlight64));
        results.Add("D1-w64", "tt", await TypedDrainAsync(options.N, withResult: false, Window64));
    }

    if (options.Has("D2"))
    {
        results.Add("D2", "raw", await RawDrainAsync(options.N, withResult: true));
        results.Add("D2", "tt", await TypedDrainAsync(options.N, withResult: true, Defaults));
        results.Add("D2-64", "tt", await TypedDrainAsync(options.N, withResult: true, InFlight64));
        results.Add("D2-w64", "tt", await TypedDrainAsync(options.N, withResult: true, Window64));
    }

    if (options.Has("L"))
    {
        var (rawLatencies, rawCpu) = await RawRoundTripAsync(options.RoundTrips, 100);
        results.AddLatencies("raw", rawLatencies);
        results.AddLatencies("cpu-raw", [rawCpu]);
        results.AddLatencies("tt", await TypedRoundTripAsync(options.RoundTrips, 100));
        results.AddLatencies("cpu-tt", [TypedSide.LastCpuPerRoundTrip]);
        Console.WriteLine($"  L      tt JIT {TypedSide.LastJitShare:P1} of the measured round trips' time");
        results.AddLatencies("kvget", await RawKvGetAsync(options.RoundTrips, 100));
    }
}

if (roundTripHost is not null)
{
    await roundTripHost.DisposeAsync();
    await monitor.CleanupAsync(roundTripNames);
}

Console.WriteLine($"streams on the server after the measurements: {await monitor.StreamCountAsync()}");

if (options.Has("P"))
{
    await Profile.RunAsync(url, options, monitor, RepoRoot());
}

if (options.Has("M"))
{
    Console.WriteLine("memory: child worker processes …");
    results.Memory.Add(await ChildWorker.MeasureAsync(url, options.N, options.Window, monitor));
    results.Memory.Add(await ChildWorker.MeasureAsync(url, options.MemoryN, options.Window, monitor));
    // The same number of executions as the first run, with the larger queue still waiting behind them.
    results.Memory.Add(await ChildWorker.MeasureAsync(url, options.MemoryN, options.Window, monitor, ["--stop-after", options.N.ToString(CultureInfo.InvariantCulture)]));
}

if (options.Has("scale"))
{
    Console.WriteLine($"scale: D2 with worker child processes, N = {options.ScaleN:N0} per point (1 MB: 200), 1 run per point …");
    var points = await Scale.RunAsync(server, options.ScaleN, options.Window, monitor);
    var dir = Path.Combine(RepoRoot(), "bench", "results");
    Directory.CreateDirectory(dir);
    var scaleMd = Scale.ToMarkdown(points, server.Version, Results.Machine(), Results.Runtime(), options.ScaleN, "./bench/run.sh " + options.CommandLine);
    Console.WriteLine();
    Console.WriteLine(scaleMd);
    await File.WriteAllTextAsync(Path.Combine(dir, "scale.md"), scaleMd);
    Scale.Plot(points, Path.Combine(dir, "scale.png"));
    Console.WriteLine($"written to {Path.Combine(dir, "scale.md")} and scale.png");
    if (options.Figures.All(f => f is "scale" or "P"))
    {
        return 0;
    }
}

// A figure of its own, per server version: printed, and written to bench/results/<name>-<server version>.md.
async Task WriteFigureAsync(string name, string markdown)
{
    var dir = Path.Combine(RepoRoot(), "bench", "results");
    Directory.CreateDirectory(dir);
    Console.WriteLine();
    Console.WriteLine(markdown);
    var file = Path.Combine(dir, name + "-" + server.Version.TrimStart('v') + ".md");
    await File.WriteAllTextAsync(file, markdown);
    Console.WriteLine($"written to {file}");
}

if (options.Has("sched"))
{
    Console.WriteLine($"sched: lateness of tasks due later, N = {options.ScheduleN:N0} per row, 1 run per row …");
    var points = await Scheduling.RunAsync(url, server.Version, options.ScheduleN);
    await WriteFigureAsync("scheduling", Scheduling.ToMarkdown(points, server.Version, Results.Machine(), Results.Runtime(), "./bench/run.sh " + options.CommandLine));
    if (options.Figures.All(f => f is "sched"))
    {
        return 0;
    }
}

if (options.Has("chord"))
{
    int[] sizes = options.ChordSizes;
    Console.WriteLine($"chord: chords against groups of {string.Join(" and ", sizes.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} members, {options.Runs} runs each …");
    var points = await Chords.RunAsync(url, monitor, sizes, options.Runs);
    await WriteFigureAsync("chords", Chords.ToMarkdown(points, server.Version, Results.Machine(), Results.Runtime(), "./bench/run.sh " + options.CommandLine));
    if (options.Figures.All(f => f is "chord"))
    {
        return 0;
    }
}

if (options.Has("dash"))
{
    var records = options.DashboardRecords;
    var dead = Math.Min(1_000, records);
    const int Requests = 50;
    Console.WriteLine($"dash: dashboard page times, empty and after {records:N0} tasks and {dead:N0} dead letters, {Requests} requests per page …");
    var (points, fill) = await DashboardPages.RunAsync(url, monitor, records, dead, Requests);
    await WriteFigureAsync("dashboard", DashboardPages.ToMarkdown(points, fill, Requests, server.Version, Results.Machine(), Results.Runtime(), "./bench/run.sh " + options.CommandLine));
    if (options.Figures.All(f => f is "dash"))
    {
        return 0;
    }
}

var markdown = results.ToMarkdown(server.Version);
Console.WriteLine();
Console.WriteLine(markdown);
var path = options.Output ?? Path.Combine(RepoRoot(), "bench", "results", options.IsFull ? "latest.md" : "partial.md");
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
await File.WriteAllTextAsync(path, markdown);
Console.WriteLine($"written to {path}");
return 0;

static string RepoRoot()
{
    for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "TypedTasks.sln")))
        {
            return dir.FullName;
        }
    }

    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "TypedTasks.sln")))
        {
            return dir.FullName;
        }
    }

    return Environment.CurrentDirectory;
}

public sealed class BenchOptions
{
    public static readonly string[] AllFigures = ["E1", "E2", "D1", "D2", "L", "M", "P", "scale", "sched", "chord", "dash"];

    public static readonly string[] DefaultFigures = ["E1", "E2", "D1", "D2", "L", "M"];

    public int N { get; private set; } = 20_000;

    public int Runs { get; private set; } = 3;

    public int Window { get; private set; } = 1_000;

    public int RoundTrips { get; private set; } = 1_000;

    public int MemoryN { get; private set; } = 100_000;

    public string? Output { get; private set; }

    /// <summary>Whether the raw baseline runs in the bench's own process (before 2026-12-07) rather than a child of its own.</summary>
    public bool RawInProcess { get; private set; }

    /// <summary>Tasks per row of the scheduling figure: 2,000 unless <c>-n</c> is given.</summary>
    public int ScheduleN => _nGiven ? N : 2_000;

    /// <summary>Members per chord of the chord figure: 2,000 and 10,000 unless <c>-n</c> is given.</summary>
    public int[] ChordSizes => _nGiven ? [Math.Min(N, TaskGroup.MaxMembers)] : [2_000, 10_000];

    /// <summary>Result records of the dashboard figure: 100,000 unless <c>-n</c> is given (dead letters: 1,000, at most N).</summary>
    public int DashboardRecords => _nGiven ? N : 100_000;

    /// <summary>Tasks per point of the scale figure: 5,000 unless <c>-n</c> is given (1 MB bodies: at most 200).</summary>
    public int ScaleN => _nGiven ? N : 5_000;

    private bool _nGiven;

    public HashSet<string> Figures { get; } = new(StringComparer.OrdinalIgnoreCase);

    public bool IsFull => N == 20_000 && Runs >= 3 && DefaultFigures.All(Figures.Contains);

    public bool Has(string figure) => Figures.Contains(figure);

    public string CommandLine { get; private set; } = string.Empty;

    public static BenchOptions? Parse(string[] args)
    {
        var o = new BenchOptions { CommandLine = string.Join(' ', args) };
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    o.N = 2_000;
                    o.MemoryN = 10_000;
                    o.RoundTrips = 300;
                    break;
                case "-n" or "--n":
                    o.N = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    o._nGiven = true;
                    break;
                case "--runs":
                    o.Runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--window":
                    o.Window = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--memory-n":
                    o.MemoryN = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--round-trips":
                    o.RoundTrips = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--out":
                    o.Output = args[++i];
                    break;
                case "--raw-in-process":
                    o.RawInProcess = true;
                    break;
                case "-h" or "--help":
                    Console.WriteLine("""
                        usage: dotnet run -c Release --project bench/TypedTasks.Bench -- [options] [figures]
                          figures      any of E1 E2 D1 D2 L M (default: all of them), and P: allocation by type
                                       per task by type of a worker draining (-> bench/results/profile.md), and scale:
                                       D2 with 1/2/4 worker processes × 1/8/32 slots and 100 B/10 KB/1 MB bodies, N = 5,000
                                       per point unless -n is given, 1 run per point (-> bench/results/scale.md, scale.png),
                                       and chord: chords of 2,000 and 10,000 members against the same groups, --runs each
                                       (-n N: one size) (-> bench/results/chords-<server version>.md),
                                       and sched: lateness of tasks due later, native and schedule stream, N = 2,000 per
                                       row unless -n is given (-> bench/results/scheduling-<server version>.md)
                          --quick      N = 2,000, 300 round trips, M at 2,000 and 10,000 tasks
                          -n N         tasks per enqueue/drain run (default 20,000)
                          --runs R     runs per figure (default 3; median and min-max are reported)
                          --window W   PubAcks in flight for E2 and for filling queues (default 1,000)
                          --memory-n M tasks of the larger memory run (default 100,000)
                          --out FILE   where to write the markdown (default bench/results/latest.md for a full
                                       run, bench/results/partial.md otherwise)
                          --raw-in-process  the raw baseline in the bench's own process, not a child process of
                                       its own (its figures then move with the TypedTasks build measured beside it)
                        """);
                    return null;
                default:
                    var figure = AllFigures.FirstOrDefault(f => string.Equals(f, args[i], StringComparison.OrdinalIgnoreCase));
                    if (figure is null)
                    {
                        Console.Error.WriteLine($"unknown argument '{args[i]}' (try --help)");
                        return null;
                    }

                    o.Figures.Add(figure);
                    break;
            }
        }

        if (o.Figures.Count == 0)
        {
            o.Figures.UnionWith(DefaultFigures);
        }

        return o;
    }
}

internal sealed class Results(BenchOptions options)
{
    private readonly Dictionary<(string Figure, string Side), List<Measurement>> _runs = new();
    private readonly Dictionary<string, List<double[]>> _latencies = new();

    public List<ChildWorker.Report> Memory { get; } = new();

    /// <summary>The largest JIT share of any measured run (see <see cref="Measurement.JitShare"/>).</summary>
    public double MaxJitShare => _runs.Values.SelectMany(r => r).Select(m => m.JitShare).DefaultIfEmpty(0).Max();

    public void Add(string figure, string side, Measurement m)
    {
        if (!_runs.TryGetValue((figure, side), out var list))
        {
            _runs[(figure, side)] = list = new List<Measurement>();
        }

        list.Add(m);
        Console.WriteLine($"  {figure,-6} {side,-3} {m.Rate,10:N0}/s  {m.Seconds * 1000,8:N1} ms  {m.AllocatedPerOp,8:N0} B/op  JIT {m.JitShare:P1}  CPU {m.CpuMicrosPerOp:N1} µs/op  server CPU {m.ServerCpuMicrosPerOp:N1} µs/op");
    }

    public void AddLatencies(string side, double[] latencies)
    {
        if (!_latencies.TryGetValue(side, out var list))
        {
            _latencies[side] = list = new List<double[]>();
        }

        list.Add(latencies);
        Console.WriteLine($"  L      {side,-3} p50 {Percentile(latencies, 0.50):N3} ms  p99 {Percentile(latencies, 0.99):N3} ms");
    }

    public static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static (double Median, double Min, double Max) Stats(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return (median, sorted[0], sorted[^1]);
    }

    private static string Rate((double Median, double Min, double Max) s)
        => $"{K(s.Median)}/s ({K(s.Min)}–{K(s.Max)})";

    private static string K(double rate) => rate >= 1000 ? $"{rate / 1000:0.0}k" : $"{rate:0}";

    private static string Ms((double Median, double Min, double Max) s) => $"{s.Median:0.000} ms ({s.Min:0.000}–{s.Max:0.000})";

    private static string MiB(long bytes) => $"{bytes / 1024.0 / 1024.0:0.0} MiB";

    public string ToMarkdown(string serverVersion)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# TypedTasks end-to-end bench");
        sb.AppendLine();
        sb.AppendLine($"- date: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine($"- machine: {Machine()}");
        sb.AppendLine($"- nats-server: {serverVersion} (loopback, file store in a temp dir, started by the bench)");
        sb.AppendLine($"- {Runtime()}");
        sb.AppendLine($"- command: `dotnet run -c Release --project bench/TypedTasks.Bench -- {options.CommandLine}`");
        sb.AppendLine($"- N = {options.N:N0} no-op tasks `echo(int) -> int` per run, {options.Runs} runs per figure: median (min–max); window {options.Window:N0}; L: {options.RoundTrips:N0} sequential round trips after 100 unmeasured");
        sb.AppendLine("- broker, worker and driver share the same cores; absolute numbers drift ~20 % between runs: compare within one run");
        sb.AppendLine();
        sb.AppendLine("| figure | raw NATS.Net | TypedTasks | TT / raw | target | met | alloc B/op raw | alloc B/op TT |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        Row(sb, "E1 enqueue, one await per call", "E1", "E1", 0.9);
        Row(sb, "E2 enqueue, 1,000 PubAcks in flight", "E2", "E2", 0.8);
        Row(sb, "D1 drain, no result — worker defaults", "D1", "D1", 0.8);
        Row(sb, "D1 drain, no result — Concurrency 64", "D1", "D1-64", 0.8);
        Row(sb, "D2 drain, with result — worker defaults", "D2", "D2", 0.7);
        Row(sb, "D2 drain, with result — Concurrency 64", "D2", "D2-64", 0.7);
        Row(sb, "diagnostic: D1, default slots, Prefetch = 64 − slots", "D1", "D1-w64", double.NaN);
        Row(sb, "diagnostic: D2, default slots, Prefetch = 64 − slots", "D2", "D2-w64", double.NaN);
        CpuRow(sb, "diagnostic: D2, CPU of the bench process per task (all threads, µs), defaults / Concurrency 64", "D2", ["D2", "D2-64"], m => m.CpuMicrosPerOp);
        CpuRow(sb, "diagnostic: E2, CPU of nats-server per task (µs)", "E2", ["E2"], m => m.ServerCpuMicrosPerOp);
        CpuRow(sb, "diagnostic: D2, CPU of nats-server per task (µs), defaults / Concurrency 64", "D2", ["D2", "D2-64"], m => m.ServerCpuMicrosPerOp);
        if (_latencies.TryGetValue("raw", out var rawL) && _latencies.TryGetValue("tt", out var ttL))
        {
            foreach (var (label, p, target) in new[] { ("L round trip p50", 0.50, 1.3), ("L round trip p99", 0.99, double.NaN) })
            {
                var r = Stats(rawL.Select(l => Percentile(l, p)));
                var t = Stats(ttL.Select(l => Percentile(l, p)));
                var ratio = t.Median / r.Median;
                var met = double.IsNaN(target) ? "—" : ratio <= target ? "yes" : "**no**";
                sb.AppendLine($"| {label} | {Ms(r)} | {Ms(t)} | {ratio:0.00} | {(double.IsNaN(target) ? "—" : $"≤ {target:0.0}")} | {met} | | |");
            }

            if (_latencies.TryGetValue("cpu-raw", out var cpuRaw) && _latencies.TryGetValue("cpu-tt", out var cpuTt))
            {
                var r = Stats(cpuRaw.Select(l => l[0]));
                var t = Stats(cpuTt.Select(l => l[0]));
                sb.AppendLine($"| diagnostic: L, CPU of the bench process per round trip (all threads) | {Ms(r)} | {Ms(t)} | {t.Median / r.Median:F2} | — | — | | |");
            }

            if (_latencies.TryGetValue("kvget", out var get))
            {
                sb.AppendLine($"| diagnostic: one KV get of a missing key (what a wait for a task sent by another process reads first), p50 | {Ms(Stats(get.Select(l => Percentile(l, 0.5))))} | | | | | | |");
            }
        }

        if (Memory.Count >= 2)
        {
            var (small, large) = (Memory[0], Memory[1]);
            var marginal = (double)(large.AllocatedDuringDrain - small.AllocatedDuringDrain) / (large.Tasks - small.Tasks);
            sb.AppendLine($"| M allocated per executed task (worker process, marginal {small.Tasks:N0}→{large.Tasks:N0}) | — | {marginal:N0} B | | ≤ 2,048 B | {(marginal <= 2048 ? "yes" : "**no**")} | | |");
            var growth = (double)large.RssAfterDrain / small.RssAfterDrain;
            sb.AppendLine($"| M worker RSS after draining {small.Tasks:N0} / {large.Tasks:N0} tasks | — | {MiB(small.RssAfterDrain)} / {MiB(large.RssAfterDrain)} | ×{growth:0.00} | (bounded as tasks run) | — | | |");
            if (Memory.Count >= 3)
            {
                var partial = Memory[2];
                sb.AppendLine($"| M worker RSS after {partial.Tasks:N0} tasks with {small.Tasks:N0} / {large.Tasks:N0} queued | — | {MiB(small.RssAfterDrain)} / {MiB(partial.RssAfterDrain)} | ×{(double)partial.RssAfterDrain / small.RssAfterDrain:0.00} | independent of queue length | {((double)partial.RssAfterDrain / small.RssAfterDrain <= 1.1 ? "yes" : "**no**")} | | |");
            }

            sb.AppendLine($"| M worker RSS after a full GC ({small.Tasks:N0} / {large.Tasks:N0}) | — | {MiB(small.RssAfterGc)} / {MiB(large.RssAfterGc)} (managed heap {MiB(small.ManagedHeapAfterGc)} / {MiB(large.ManagedHeapAfterGc)}, GC committed {MiB(small.GcCommittedAfterGc)} / {MiB(large.GcCommittedAfterGc)}) | | | | | |");
            sb.AppendLine($"| M worker peak RSS ({small.Tasks:N0} / {large.Tasks:N0}) | — | {MiB(small.PeakRss)} / {MiB(large.PeakRss)} | | | | | |");
            sb.AppendLine($"| M drain rate of the child worker ({small.Tasks:N0} / {large.Tasks:N0}) | — | {K(small.Tasks / small.Seconds)}/s / {K(large.Tasks / large.Seconds)}/s | | | | {small.AllocatedPerTask:N0} / {large.AllocatedPerTask:N0} | |");
        }

        sb.AppendLine();
        sb.AppendLine("How each row is measured (bench/README.md has more):");
        sb.AppendLine("- E1/E2: same subject, body `{\"value\":N}` and headers (TT-Protocol, TT-Task, TT-Reply with a token, TT-Fresh-Id, Nats-Msg-Id = a v7 GUID that is the task id; BENCH_RAW_BYTES=e8dfb29: TT-Id, no token, no TT-Fresh-Id on the raw side) on both sides; raw is `js.PublishAsync` + `EnsureSuccess`, TypedTasks is `ITaskClient.EnqueueAsync` of a task with a result.");
        sb.AppendLine("- D1/D2: the queue is filled with N tasks first; timed from the first message handled to an empty consumer (NumPending + NumAckPending = 0, polled every ms once all N were handled). Raw consumes with `ConsumeAsync` (1,000 pulled ahead) and acks; for D2 it puts a result record of TypedTasks' size into the same KV bucket (64 puts in flight) and then acks. Every TypedTasks row compares with that one raw baseline. \"Concurrency 64\" is 64 in flight on both sides: 64 slots and `MaxPendingOutcomes = 64`; \"defaults\" is `Concurrency = cores`, auto prefetch (up to 256 held for short tasks), `MaxPendingOutcomes = 256`; the diagnostic rows keep the default slots and outcomes and fix the fetch window at 64 messages.");
        sb.AppendLine("- L: raw is publish → consume → KV put → ack, a KV watch on `>` shared by all calls wakes the sender; TypedTasks is `EnqueueAsync` → `TaskHandle<int>.GetAsync` with a default worker in the same host.");
        sb.AppendLine("- M: a worker (defaults) in a child process drains a pre-filled queue; RSS right after the drain, after a full compacting GC, and peak; allocations from its first task to the empty queue. \"Independent of queue length\" compares the same number of executions with a small and a 5× longer queue (the child stops counting after N with the rest still queued); threshold ×1.10.");
        sb.AppendLine(options.RawInProcess ? "- raw side: in the bench's own process (`--raw-in-process`), after the TypedTasks side of the previous figure." : "- raw side: in a child process of its own that runs only raw NATS.Net code (RawProcess.cs), so that what the JIT makes of NATS.Net there does not depend on the TypedTasks build measured beside it; its alloc B/op and CPU are that process's.");
        sb.AppendLine($"- warm-up: every measured path runs untimed, round after round, until the JIT's compile time (`JitInfo.GetCompilationTime`, all threads) is under 2 % of each timed part of a round (at most 8 rounds); in the measured runs it then took at most {MaxJitShare:P1} of a timed part.");
        sb.AppendLine("- alloc B/op: `GC.GetTotalAllocatedBytes(true)` over the timed part of the bench process / N (includes the driver, the NATS.Net client and, for TypedTasks drains, nothing of host start-up).");
        return sb.ToString();
    }

    public static string Machine() => $"{Environment.ProcessorCount} cores (`nproc`), {MemTotal()}, {CpuModel()}, {RuntimeInformation.OSDescription}";

    public static string Runtime() => $".NET: {RuntimeInformation.FrameworkDescription}; NATS.Net {typeof(NATS.Client.Core.NatsConnection).Assembly.GetName().Version}; workstation GC (concurrent)";

    /// <summary>A diagnostic row: the medians of a CPU figure (µs per task), raw against each TypedTasks configuration.</summary>
    private void CpuRow(StringBuilder sb, string label, string rawKey, string[] ttKeys, Func<Measurement, double> cpu)
    {
        if (!_runs.TryGetValue((rawKey, "raw"), out var raw))
        {
            return;
        }

        var r = Stats(raw.Select(cpu)).Median;
        var tt = ttKeys.Where(k => _runs.ContainsKey((k, "tt"))).Select(k => Stats(_runs[(k, "tt")].Select(cpu)).Median).ToList();
        sb.AppendLine($"| {label} | {r:F1} | {string.Join(" / ", tt.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} | {string.Join(" / ", tt.Select(t => (t / r).ToString("F2", CultureInfo.InvariantCulture)))} | — | — | | |");
    }

    private void Row(StringBuilder sb, string label, string rawKey, string ttKey, double target)
    {
        if (!_runs.TryGetValue((rawKey, "raw"), out var raw) || !_runs.TryGetValue((ttKey, "tt"), out var tt))
        {
            return;
        }

        var r = Stats(raw.Select(m => m.Rate));
        var t = Stats(tt.Select(m => m.Rate));
        var ratio = t.Median / r.Median;
        var (targetText, met) = double.IsNaN(target) ? ("—", "—") : ($"≥ {target:0.0}", ratio >= target ? "yes" : "**no**");
        sb.AppendLine($"| {label} | {Rate(r)} | {Rate(t)} | {ratio:0.00} | {targetText} | {met} | {Stats(raw.Select(m => m.AllocatedPerOp)).Median:N0} | {Stats(tt.Select(m => m.AllocatedPerOp)).Median:N0} |");
    }

    private static string MemTotal()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return $"{kb / 1024.0 / 1024.0:0.0} GiB RAM";
        }
        catch (Exception)
        {
            return "? RAM";
        }
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        }
        catch (Exception)
        {
            return "?";
        }
    }
}
