using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TypedTasks.Bench;

/// <summary>
/// The scale figure (<c>./bench/run.sh scale</c>): D2 — a pre-filled queue of <c>echo</c> tasks drained by worker processes that
/// store every result — with 1, 2 and 4 worker processes × 1, 8 and 32 slots each at a 100 B body, and with 100 B, 10 KB
/// and 1 MB bodies at 1 worker process with default slots. One run per point. Writes <c>bench/results/scale.md</c> and
/// <c>scale.png</c>.
/// </summary>
/// <remarks>
/// Every worker is a child process (<c>--scale-worker</c>, like M's <c>--child-worker</c>). A child warms up on a private
/// queue of its own (JIT), builds nothing more, says READY and waits; once every child is ready the parent says GO, each
/// child starts its worker host on the shared pre-filled queue and records the <see cref="Stopwatch"/> timestamp of its
/// first execution (CLOCK_MONOTONIC on Linux: the same clock in every process). The drain is timed from the earliest first
/// execution in any child to the empty consumer (NumPending + NumAckPending = 0, polled by the parent every ms; workers
/// store before they ack, so every result is stored).
/// </remarks>
public static class Scale
{
    public const string MaxPayload = "8MB";

    public sealed record Point(string Group, int Processes, int? Slots, int PayloadBytes, int N, double Seconds, long[] PerProcess, int SlowConsumers, int? Prefetch = null, string? SlowLine = null)
    {
        public double Rate => N / Seconds;

        public double MBps => Rate * PayloadBytes / 1_000_000.0;
    }

    private static Func<string?> s_lastLine = () => null;

    public static async Task<List<Point>> RunAsync(NatsServerProcess server, int n, int window, QueueMonitor monitor)
    {
        var url = server.Url;
        Func<int> slow = () => server.CountLogLines("Slow Consumer");
        s_lastLine = () => server.LastLogLine("Slow Consumer");
        var points = new List<Point>();
        const int small = 100;
        foreach (var processes in new[] { 1, 2, 4 })
        {
            foreach (var slots in new[] { 1, 8, 32 })
            {
                points.Add(await MeasureAsync("grid", processes, slots, small, n, window, url, monitor, slow));
            }
        }

        // Payloads at 1 worker process with default slots (Concurrency = cores). 1 MB: N = 200 (200 MB through the stream).
        foreach (var (payload, count) in new[] { (100, n), (10_000, n), (1_000_000, Math.Min(n, 200)) })
        {
            points.Add(await MeasureAsync("payload", 1, null, payload, count, window, url, monitor, slow));
        }

        // Diagnostic: 1 MB with the fetch window fixed at 8 messages instead of auto (up to 256 held = 256 MB).
        points.Add(await MeasureAsync("payload-diag", 1, null, 1_000_000, Math.Min(n, 200), window, url, monitor, slow, prefetch: 8));

        return points;
    }

    private static async Task<Point> MeasureAsync(string group, int processes, int? slots, int payload, int n, int window, string url, QueueMonitor monitor, Func<int> slow, int? prefetch = null)
    {
        var slowBefore = slow();
        var names = BenchNames.Fresh("s");
        var children = new List<(Process Process, StreamReader Out, Task<string> Err)>();
        try
        {
            var pad = PaddedEchoArguments.PadFor(payload);
            await using (var producer = await TypedSide.StartAsync(url, names))
            {
                // Large bodies: keep fewer PubAcks in flight so the client's buffers stay small.
                var w = payload >= 100_000 ? 16 : window;
                var ring = new ValueTask<TaskHandle<int>>[w];
                for (var i = 0; i < n; i++)
                {
                    if (i >= w)
                    {
                        await ring[i % w];
                    }

                    ring[i % w] = producer.Client.EnqueueAsync<PaddedEchoArguments, int>(BenchTasks.Echo, new PaddedEchoArguments(i, pad));
                }

                for (var i = Math.Max(0, n - w); i < n; i++)
                {
                    await ring[i % w];
                }
            }

            for (var p = 0; p < processes; p++)
            {
                var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
                var self = Environment.ProcessPath!;
                start.FileName = self;
                if (Path.GetFileNameWithoutExtension(self) == "dotnet")
                {
                    start.ArgumentList.Add(typeof(Scale).Assembly.Location);
                }

                foreach (var arg in new[] { "--scale-worker", url, names.Prefix, (slots ?? 0).ToString(CultureInfo.InvariantCulture), (prefetch ?? -1).ToString(CultureInfo.InvariantCulture) })
                {
                    start.ArgumentList.Add(arg);
                }

                var child = Process.Start(start)!;
                children.Add((child, child.StandardOutput, child.StandardError.ReadToEndAsync()));
            }

            foreach (var (child, output, err) in children)
            {
                var line = await ReadLineStartingAsync(output, "READY", child, err, TimeSpan.FromMinutes(3));
            }

            foreach (var (child, _, _) in children)
            {
                await child.StandardInput.WriteLineAsync("GO");
                await child.StandardInput.FlushAsync();
            }

            await monitor.WaitEmptyAsync(names, TimeSpan.FromMinutes(5));
            var end = Stopwatch.GetTimestamp();
            var firsts = new List<long>();
            var counts = new List<long>();
            foreach (var (child, output, err) in children)
            {
                await child.StandardInput.WriteLineAsync("STOP");
                await child.StandardInput.FlushAsync();
                var report = (await ReadLineStartingAsync(output, "SCALE-REPORT ", child, err, TimeSpan.FromMinutes(1))).Split(' ');
                var count = long.Parse(report[1], CultureInfo.InvariantCulture);
                counts.Add(count);
                if (count > 0)
                {
                    firsts.Add(long.Parse(report[2], CultureInfo.InvariantCulture));
                }
            }

            if (counts.Sum() < n)
            {
                throw new InvalidOperationException($"The workers executed {counts.Sum()} of {n} tasks.");
            }

            var seconds = (double)(end - firsts.Min()) / Stopwatch.Frequency;
            var point = new Point(group, processes, slots, payload, n, seconds, counts.ToArray(), slow() - slowBefore, prefetch);
            if (point.SlowConsumers > 0)
            {
                point = point with { SlowLine = s_lastLine() };
            }

            Console.WriteLine($"  scale  {processes} proc × {(slots?.ToString(CultureInfo.InvariantCulture) ?? "default")} slots{(prefetch is { } pf ? $", prefetch {pf}" : "")}, {Size(payload),6}: {point.Rate,9:N0} tasks/s {point.MBps,8:N1} MB/s  ({seconds * 1000:N0} ms; per process {string.Join("/", counts)}; server log 'Slow Consumer' lines: {point.SlowConsumers})");
            return point;
        }
        finally
        {
            foreach (var (child, _, _) in children)
            {
                try
                {
                    if (!child.WaitForExit(TimeSpan.FromSeconds(30)))
                    {
                        child.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                }

                child.Dispose();
            }

            await monitor.CleanupAsync(names);
        }
    }

    private static async Task<string> ReadLineStartingAsync(StreamReader output, string prefix, Process child, Task<string> err, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await output.ReadLineAsync(cts.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"The scale worker exited before '{prefix.Trim()}':\n{await err}");
            }

            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    /// <summary>The child: <c>--scale-worker URL PREFIX SLOTS [PREFETCH]</c> (SLOTS 0 = the default, cores; PREFETCH −1 = auto).</summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        var (url, prefix, slots) = (args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
        var prefetch = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : -1;
        Action<WorkerOptions> configure = o =>
        {
            if (slots > 0)
            {
                o.Concurrency = slots;
            }

            if (prefetch >= 0)
            {
                o.Prefetch = prefetch;
            }
        };
        await using var monitor = new QueueMonitor(url);

        // Warm-up on a queue of its own: JIT of the host, the worker and the echo path.
        var warm = BenchNames.Fresh($"w{Environment.ProcessId}");
        try
        {
            await TypedSide.DrainAsync(url, warm, 500, withResult: true, configure, monitor, 500);
        }
        finally
        {
            await monitor.CleanupAsync(warm);
        }

        Console.WriteLine("READY");
        if (Console.ReadLine() != "GO")
        {
            return 1;
        }

        var counter = new Countdown(long.MaxValue);
        BenchTasks.Counter = counter;
        await using (var side = await TypedSide.StartAsync(url, new BenchNames(prefix), configure))
        {
            _ = Console.ReadLine(); // STOP: the parent saw the queue empty.
            Console.WriteLine($"SCALE-REPORT {counter.Count} {counter.FirstTimestamp}");
        }

        return 0;
    }

    public static string Size(int bytes) => bytes switch
    {
        >= 1_000_000 => $"{bytes / 1_000_000.0:0.#} MB",
        >= 1_000 => $"{bytes / 1_000.0:0.#} KB",
        _ => $"{bytes} B",
    };

    public static string ToMarkdown(List<Point> points, string serverVersion, string machine, string runtime, int n, string command)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# TypedTasks scale: D2 (drain with result) across worker processes, slots and payload");
        sb.AppendLine();
        sb.AppendLine($"- date: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine($"- machine: {machine}");
        sb.AppendLine($"- nats-server: {serverVersion} (loopback, file store in a temp dir, started by the bench with `max_payload: {MaxPayload}` from a config file: the default 1 MB limit does not fit a 1 MB body plus headers)");
        sb.AppendLine($"- {runtime}");
        sb.AppendLine($"- command: `{command}`");
        sb.AppendLine($"- **N = {n:N0} tasks per point (1 MB: N = {points.Where(p => p.PayloadBytes >= 1_000_000).Select(p => p.N).DefaultIfEmpty(200).First():N0}), 1 run per point** — no median, no spread: on shared cores single runs drift ±20 % or more; read the shape, not the third digit");
        sb.AppendLine("- every worker is a child process of the bench (`--scale-worker`, warmed up on a queue of its own, then started on the shared pre-filled queue at the same moment); broker, bench and all worker processes share the same cores");
        sb.AppendLine("- payload = the task's argument body `{\"value\":N,\"pad\":\"xx…\"}` (±3 B) plus TypedTasks' headers; the result stored per task is the `echo` int (a small record); MB/s = tasks/s × body bytes / 10⁶");
        sb.AppendLine("- timed from the first execution in any worker process to an empty consumer (NumPending + NumAckPending = 0; workers store the result before they ack)");
        sb.AppendLine("- at N = 5,000 a drain lasts 0.2–0.5 s, so the ramp-up of each worker (first fetch, auto prefetch growing) and the 1 ms empty-queue poll weigh more than in `latest.md` (N = 20,000, in-process worker): compare points within this file, not with D2 there");
        sb.AppendLine($"- all worker processes share the {Environment.ProcessorCount} cores with nats-server and the bench: more processes add CPU contention, not CPU");
        sb.AppendLine();
        sb.AppendLine("## Worker processes × slots (100 B body)");
        sb.AppendLine();
        sb.AppendLine("| worker processes | slots per worker (`Concurrency`) | total slots | tasks/s | MB/s | drain time | tasks per process |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var p in points.Where(p => p.Group == "grid"))
        {
            sb.AppendLine($"| {p.Processes} | {p.Slots} | {p.Processes * p.Slots} | {p.Rate:N0} | {p.MBps:N1} | {p.Seconds * 1000:N0} ms | {string.Join(" / ", p.PerProcess.Select(c => c.ToString("N0", CultureInfo.InvariantCulture)))} |");
        }

        var grid = points.Where(p => p.Group == "grid").ToList();
        if (grid.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("tasks/s as a matrix (rows: worker processes, columns: slots per worker):");
            sb.AppendLine();
            var slotValues = grid.Select(p => p.Slots!.Value).Distinct().Order().ToArray();
            sb.AppendLine("| processes \\ slots | " + string.Join(" | ", slotValues) + " |");
            sb.AppendLine("| --- |" + string.Concat(slotValues.Select(_ => " --- |")));
            foreach (var procs in grid.Select(p => p.Processes).Distinct().Order())
            {
                sb.AppendLine($"| {procs} | " + string.Join(" | ", slotValues.Select(s => grid.FirstOrDefault(p => p.Processes == procs && p.Slots == s) is { } p ? p.Rate.ToString("N0", CultureInfo.InvariantCulture) : "—")) + " |");
            }
        }

        sb.AppendLine();
        sb.AppendLine($"## Payload (1 worker process, default slots = {Environment.ProcessorCount} = cores, auto prefetch)");
        sb.AppendLine();
        sb.AppendLine("| body | prefetch | N | tasks/s | MB/s | drain time | executions (> N: redelivered) | nats-server `Slow Consumer` log lines |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var p in points.Where(p => p.Group.StartsWith("payload", StringComparison.Ordinal)))
        {
            sb.AppendLine($"| {Size(p.PayloadBytes)} | {(p.Prefetch is { } pf ? $"{pf} (diagnostic)" : "auto")} | {p.N:N0} | {p.Rate:N0} | {p.MBps:N1} | {p.Seconds * 1000:N0} ms | {p.PerProcess.Sum():N0} | {p.SlowConsumers} |");
        }

        foreach (var p in points.Where(p => p.SlowLine is not null))
        {
            sb.AppendLine();
            sb.AppendLine($"nats-server at the {Size(p.PayloadBytes)} point{(p.Prefetch is { } pf ? $" (prefetch {pf})" : "")}: `{p.SlowLine!.Trim()}`");
        }

        sb.AppendLine();
        sb.AppendLine("![D2 scale](scale.png)");
        return sb.ToString();
    }

    /// <summary>Two panels: tasks/s against slots per worker, one line per process count; tasks/s and MB/s against body size.</summary>
    public static void Plot(List<Point> points, string path)
    {
        var left = new ScottPlot.Plot();
        var grid = points.Where(p => p.Group == "grid").ToList();
        foreach (var procs in grid.Select(p => p.Processes).Distinct().Order())
        {
            var row = grid.Where(p => p.Processes == procs).OrderBy(p => p.Slots).ToList();
            var line = left.Add.Scatter(row.Select(p => Math.Log2(p.Slots!.Value)).ToArray(), row.Select(p => p.Rate / 1000).ToArray());
            line.LegendText = procs == 1 ? "1 worker process" : $"{procs} worker processes";
            line.LineWidth = 2;
            line.MarkerSize = 8;
        }

        left.Axes.Bottom.SetTicks([0, 3, 5], ["1", "8", "32"]);
        left.Axes.SetLimitsX(-0.5, 5.5);
        left.Axes.SetLimitsY(0, Math.Max(1, grid.Select(p => p.Rate / 1000).DefaultIfEmpty(1).Max() * 1.15));
        left.Title($"D2, 100 B body (N = {grid.Select(p => p.N).DefaultIfEmpty(0).First():N0}, 1 run per point)");
        left.XLabel("slots per worker process (Concurrency)");
        left.YLabel("tasks/s (thousands)");
        left.ShowLegend(ScottPlot.Alignment.LowerRight);

        var right = new ScottPlot.Plot();
        var payload = points.Where(p => p.Group == "payload").OrderBy(p => p.PayloadBytes).ToList();
        var xs = payload.Select(p => Math.Log10(p.PayloadBytes)).ToArray();
        var rate = right.Add.Scatter(xs, payload.Select(p => p.Rate / 1000).ToArray());
        rate.LegendText = "tasks/s (thousands, left)";
        rate.LineWidth = 2;
        rate.MarkerSize = 8;
        var mb = right.Add.Scatter(xs, payload.Select(p => p.MBps).ToArray());
        mb.LegendText = "MB/s (right)";
        mb.LineWidth = 2;
        mb.MarkerSize = 8;
        mb.LinePattern = ScottPlot.LinePattern.Dashed;
        mb.Axes.YAxis = right.Axes.Right;
        foreach (var p in payload)
        {
            var label = right.Add.Text($"{p.Rate:N0}/s, {p.MBps:N0} MB/s", Math.Log10(p.PayloadBytes), p.Rate / 1000);
            label.LabelFontSize = 11;
            label.LabelAlignment = ScottPlot.Alignment.LowerCenter;
            label.OffsetY = -6;
        }

        right.Axes.Bottom.SetTicks([2, 4, 6], ["100 B", "10 KB", "1 MB"]);
        right.Axes.SetLimitsX(1.2, 6.8);
        right.Axes.SetLimitsY(0, Math.Max(1, payload.Select(p => p.Rate / 1000).DefaultIfEmpty(1).Max() * 1.25));
        right.Axes.Right.Range.Set(0, Math.Max(1, payload.Select(p => p.MBps).DefaultIfEmpty(1).Max() * 1.25));
        right.Axes.Right.Label.Text = "MB/s";
        right.Title("D2, 1 worker process, default slots (1 MB: N = 200)");
        right.XLabel("task body");
        right.YLabel("tasks/s (thousands)");
        right.ShowLegend(ScottPlot.Alignment.UpperRight);

        // Side by side on one Skia surface, then PNG.
        const int width = 560, height = 430;
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(2 * width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SkiaSharp.SKColors.White);
        foreach (var (plot, x) in new[] { (left, 0), (right, width) })
        {
            canvas.Save();
            canvas.Translate(x, 0);
            canvas.ClipRect(new SkiaSharp.SKRect(0, 0, width, height));
            plot.Render(canvas, width, height);
            canvas.Restore();
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
