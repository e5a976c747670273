using System.Globalization;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace TypedTasks.Bench;

/// <summary>
/// The S figure (<c>./bench/run.sh sched</c>): how late tasks due later start, per way of scheduling. N tasks of
/// <c>stamp(i)</c> are sent with an ETA, either all due at the same instant (burst) or spread evenly over 4 s; the
/// worker (defaults, same process) notes when each starts. Lateness = start − due, from the same clock
/// (<see cref="DateTime.UtcNow"/> in one process). The native way is measured only on a server that has it (2.12+).
/// Writes <c>bench/results/scheduling.md</c>.
/// </summary>
public static class Scheduling
{
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SpreadOver = TimeSpan.FromSeconds(4);

    public sealed record Point(ScheduledDelivery Mode, string Shape, int N, double[] LatenessMs, double SendSeconds)
    {
        public double Percentile(double p) => LatenessMs[Math.Clamp((int)Math.Ceiling(p * LatenessMs.Length) - 1, 0, LatenessMs.Length - 1)];
    }

    public static async Task<List<Point>> RunAsync(string url, string serverVersion, int n)
    {
        var modes = new List<ScheduledDelivery> { ScheduledDelivery.ScheduleStream };
        if (HasSchedules(serverVersion))
        {
            modes.Insert(0, ScheduledDelivery.Native);
        }

        // Warm-up (JIT), not reported.
        await MeasureAsync(url, modes[0], "burst", 200);
        var points = new List<Point>();
        foreach (var mode in modes)
        {
            foreach (var shape in new[] { "burst", "spread" })
            {
                var point = await MeasureAsync(url, mode, shape, n);
                Console.WriteLine($"  {mode,-14} {shape,-6} p50 {point.Percentile(0.5),8:F1} ms  p99 {point.Percentile(0.99),8:F1} ms  max {point.LatenessMs[^1],8:F1} ms");
                points.Add(point);
            }
        }

        return points;
    }

    private static async Task<Point> MeasureAsync(string url, ScheduledDelivery mode, string shape, int n)
    {
        var names = BenchNames.Fresh("sc");
        var stamps = new long[n];
        var counter = new Countdown(n);
        BenchTasks.Stamps = stamps;
        BenchTasks.Counter = counter;
        try
        {
            await using var side = await TypedSide.StartAsync(url, names, worker: _ => { }, configure: o => o.Broker.Scheduling = mode);
            var first = DateTimeOffset.UtcNow + Lead;
            var due = new DateTimeOffset[n];
            for (var i = 0; i < n; i++)
            {
                due[i] = shape == "burst" ? first : first + (SpreadOver * i / n);
            }

            var sending = System.Diagnostics.Stopwatch.StartNew();
            var window = new List<Task>(256);
            for (var i = 0; i < n; i++)
            {
                window.Add(side.Client.EnqueueAsync(BenchTasks.Stamp, new EchoArguments(i), new TaskOptions { Eta = due[i] }).AsTask());
                if (window.Count == window.Capacity)
                {
                    await Task.WhenAll(window);
                    window.Clear();
                }
            }

            await Task.WhenAll(window);
            var sendSeconds = sending.Elapsed.TotalSeconds;
            if (DateTimeOffset.UtcNow > first)
            {
                throw new InvalidOperationException($"sending {n} tasks took {sendSeconds:F1} s, past the first due time: use a smaller -n");
            }

            await counter.Done.WaitAsync(TimeSpan.FromMinutes(2));
            var lateness = new double[n];
            for (var i = 0; i < n; i++)
            {
                lateness[i] = (new DateTime(stamps[i], DateTimeKind.Utc) - due[i].UtcDateTime).TotalMilliseconds;
            }

            Array.Sort(lateness);
            return new Point(mode, shape, n, lateness, sendSeconds);
        }
        finally
        {
            BenchTasks.Counter = null;
            BenchTasks.Stamps = null;
            await DeleteStreamsAsync(url, names);
        }
    }

    private static bool HasSchedules(string version)
    {
        var parts = version.TrimStart('v').Split('.');
        return parts.Length >= 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var major) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var minor)
            && (major > 2 || (major == 2 && minor >= 12));
    }

    private static async Task DeleteStreamsAsync(string url, BenchNames names)
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = url });
        var js = new NatsJSContext(nats);
        var upper = names.Prefix.ToUpperInvariant() + "_";
        await foreach (var name in js.ListStreamNamesAsync())
        {
            if (name.StartsWith(upper, StringComparison.Ordinal) || name.StartsWith("KV_" + upper, StringComparison.Ordinal))
            {
                await js.DeleteStreamAsync(name);
            }
        }
    }

    public static string ToMarkdown(List<Point> points, string serverVersion, string machine, string runtime, string command)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Scheduled delivery: how late tasks due later start");
        sb.AppendLine();
        sb.AppendLine($"`{command}`, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {machine}, nats-server {serverVersion}, {runtime}; one run per row.");
        sb.AppendLine();
        sb.AppendLine($"N tasks (`stamp(i)`, IgnoreResult) sent with an ETA {Lead.TotalSeconds:0} s ahead, 256 sends in flight; a worker with defaults in the");
        sb.AppendLine($"same process notes each start. Lateness = start − due (one clock). Burst: all N due at the same instant; spread: due");
        sb.AppendLine($"evenly over {SpreadOver.TotalSeconds:0} s. Native (nats-server 2.12+): `Nats-Schedule` in `TT_DELAYED`, forwarded by the workers;");
        sb.AppendLine("schedule stream: `TT_SCHEDULED` and the elected mover (docs/lifecycle.md).");
        sb.AppendLine();
        sb.AppendLine("| scheduling | shape | N | send (s) | lateness p50 | p90 | p99 | max |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in points)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {p.Mode} | {p.Shape} | {p.N:N0} | {p.SendSeconds:F2} | {p.Percentile(0.5):F0} ms | {p.Percentile(0.9):F0} ms | {p.Percentile(0.99):F0} ms | {p.LatenessMs[^1]:F0} ms |");
        }

        return sb.ToString();
    }
}
