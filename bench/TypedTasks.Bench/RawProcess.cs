using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TypedTasks.Bench;

/// <summary>
/// The raw NATS.Net baseline's measurements (E1, E2, D1, D2, L), run either in the bench's own process or in a child process
/// of their own (the default). In one process the raw side shares the JIT's profile of NATS.Net's code with the TypedTasks
/// side that ran before it, so the same raw code measured 10–15 % faster (and spent ~10 % less CPU per task) beside one
/// TypedTasks build than beside another (bench/results/ab-2026-12-07.md): a baseline that moves with the build under test
/// cannot resolve a 5 % change of a TypedTasks / raw ratio. A child process runs only raw code.
/// </summary>
public static class RawRuns
{
    /// <summary>Times <paramref name="body"/>: wall time, bytes allocated, JIT time, this process's and the server's CPU.</summary>
    public static async Task<Measurement> TimedAsync(int n, Func<Task> body)
    {
        var allocated = GC.GetTotalAllocatedBytes(true);
        var jit = System.Runtime.JitInfo.GetCompilationTime(false);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var serverCpu = NatsServerProcess.ServerCpu;
        var start = Stopwatch.GetTimestamp();
        await body();
        var end = Stopwatch.GetTimestamp();
        return Measurement.Timed(n, start, end, GC.GetTotalAllocatedBytes(true) - allocated, jit, cpu, serverCpu);
    }

    public static async Task<Measurement> EnqueueAsync(string url, QueueMonitor monitor, int n, bool windowed, int window)
    {
        var names = BenchNames.Fresh("r");
        try
        {
            await using var raw = await RawSide.StartAsync(url, names);
            await raw.EnqueueSequentialAsync(200, BenchTasks.Echo.Name, withReply: true);
            return await TimedAsync(n, () => windowed
                ? raw.EnqueueWindowedAsync(n, window, BenchTasks.Echo.Name, withReply: true)
                : raw.EnqueueSequentialAsync(n, BenchTasks.Echo.Name, withReply: true));
        }
        finally
        {
            await monitor.CleanupAsync(names);
        }
    }

    public static async Task<Measurement> DrainAsync(string url, QueueMonitor monitor, int n, bool withResult, int window)
    {
        var names = BenchNames.Fresh("r");
        try
        {
            await using var raw = await RawSide.StartAsync(url, names);
            await raw.EnqueueWindowedAsync(n, window, withResult ? BenchTasks.Echo.Name : BenchTasks.Noop.Name, withReply: withResult);
            return await raw.DrainAsync(n, withResult, inFlight: 64, monitor);
        }
        finally
        {
            await monitor.CleanupAsync(names);
        }
    }

    /// <summary>Round trips (ms each) and the CPU per round trip (ms).</summary>
    public static async Task<(double[] Latencies, double CpuPerRoundTrip)> RoundTripAsync(string url, QueueMonitor monitor, int count, int warmup)
    {
        var names = BenchNames.Fresh("r");
        try
        {
            await using var raw = await RawSide.StartAsync(url, names);
            var latencies = await raw.RoundTripAsync(count, warmup);
            return (latencies, RawSide.LastCpuPerRoundTrip);
        }
        finally
        {
            await monitor.CleanupAsync(names);
        }
    }

    public static async Task<double[]> KvGetAsync(string url, QueueMonitor monitor, int count, int warmup)
    {
        var names = BenchNames.Fresh("r");
        try
        {
            await using var raw = await RawSide.StartAsync(url, names);
            return await raw.KvGetLatencyAsync(count, warmup);
        }
        finally
        {
            await monitor.CleanupAsync(names);
        }
    }
}

/// <summary>
/// The raw side in a child process: <c>TypedTasks.Bench --raw-side URL SERVER-PID</c> reads one request per line on stdin
/// and answers each with one line starting <c>@@raw</c> on stdout (a measurement, or latencies); anything else it prints is
/// passed through.
/// </summary>
public sealed class RawProcess : IAsyncDisposable
{
    private const string Reply = "@@raw ";
    private readonly Process _process;

    private RawProcess(Process process) => _process = process;

    public static RawProcess Start(string url, int serverPid)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo { FileName = self, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(RawProcess).Assembly.Location);
        }

        foreach (var arg in new[] { "--raw-side", url, serverPid.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        return new RawProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the raw side's process"));
    }

    public async Task<Measurement> EnqueueAsync(int n, bool windowed, int window)
        => ParseMeasurement(await RequestAsync($"enqueue {n} {(windowed ? 1 : 0)} {window}"));

    public async Task<Measurement> DrainAsync(int n, bool withResult, int window)
        => ParseMeasurement(await RequestAsync($"drain {n} {(withResult ? 1 : 0)} {window}"));

    public async Task<(double[] Latencies, double CpuPerRoundTrip)> RoundTripAsync(int count, int warmup)
    {
        var values = Numbers(await RequestAsync($"roundtrip {count} {warmup}"));
        return (values[1..], values[0]);
    }

    public async Task<double[]> KvGetAsync(int count, int warmup) => Numbers(await RequestAsync($"kvget {count} {warmup}"));

    private async Task<string> RequestAsync(string request)
    {
        await _process.StandardInput.WriteLineAsync(request);
        await _process.StandardInput.FlushAsync();
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(Reply, StringComparison.Ordinal))
            {
                var answer = line[Reply.Length..];
                return answer.StartsWith("error ", StringComparison.Ordinal)
                    ? throw new InvalidOperationException($"the raw side's process failed '{request}': {answer[6..]}")
                    : answer;
            }

            Console.WriteLine(line);
        }

        throw new InvalidOperationException($"the raw side's process exited during '{request}' (exit code {(_process.HasExited ? _process.ExitCode : -1)})");
    }

    private static double[] Numbers(string line)
        => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static Measurement ParseMeasurement(string line)
    {
        var v = Numbers(line);
        return new Measurement((int)v[0], v[1], (long)v[2]) { JitShare = v[3], CpuMicrosPerOp = v[4], ServerCpuMicrosPerOp = v[5] };
    }

    private static string Format(Measurement m)
        => string.Join(' ', new[] { m.Count, m.Seconds, m.AllocatedBytes, m.JitShare, m.CpuMicrosPerOp, m.ServerCpuMicrosPerOp }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>The child: serves requests until stdin closes.</summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        var url = args[1];
        NatsServerProcess.Attach(int.Parse(args[2], CultureInfo.InvariantCulture));
        await using var monitor = new QueueMonitor(url);
        while (Console.In.ReadLine() is { } request)
        {
            var parts = request.Split(' ');
            int Arg(int i) => int.Parse(parts[i], CultureInfo.InvariantCulture);
            string answer;
            try
            {
                answer = parts[0] switch
                {
                    "enqueue" => Format(await RawRuns.EnqueueAsync(url, monitor, Arg(1), Arg(2) == 1, Arg(3))),
                    "drain" => Format(await RawRuns.DrainAsync(url, monitor, Arg(1), Arg(2) == 1, Arg(3))),
                    "roundtrip" => await RoundTripLineAsync(url, monitor, Arg(1), Arg(2)),
                    "kvget" => string.Join(' ', (await RawRuns.KvGetAsync(url, monitor, Arg(1), Arg(2))).Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
                    _ => "error unknown request " + parts[0],
                };
            }
            catch (Exception ex)
            {
                answer = "error " + ex.ToString().ReplaceLineEndings(" | ");
            }

            Console.WriteLine(Reply + answer);
        }

        return 0;
    }

    private static async Task<string> RoundTripLineAsync(string url, QueueMonitor monitor, int count, int warmup)
    {
        var (latencies, cpu) = await RawRuns.RoundTripAsync(url, monitor, count, warmup);
        var sb = new StringBuilder(cpu.ToString("R", CultureInfo.InvariantCulture));
        foreach (var value in latencies)
        {
            sb.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
