using System.Diagnostics;
using System.Text;

namespace TypedTasks.Bench;

/// <summary>
/// The chord figure (<c>./bench/run.sh chord</c>): a chord of N <c>echo</c> members whose callback sums their results,
/// against the same N members sent as a plain group whose results the sender reads (what a chord replaces), on a worker
/// with defaults in the bench process. Timed from the first send to the callback's result (chord) or to the last member's
/// result read (group); the callback must run once.
/// </summary>
public static class Chords
{
    public sealed record Point(int N, string Kind, double Seconds, int CallbackRuns);

    public static async Task<List<Point>> RunAsync(string url, QueueMonitor monitor, int[] sizes, int runs)
    {
        // Warm-up (JIT), not reported.
        await MeasureAsync(url, monitor, 200, chord: true);
        await MeasureAsync(url, monitor, 200, chord: false);
        var points = new List<Point>();
        foreach (var n in sizes)
        {
            for (var run = 0; run < runs; run++)
            {
                foreach (var chord in new[] { false, true })
                {
                    var point = await MeasureAsync(url, monitor, n, chord);
                    Console.WriteLine($"  {point.Kind,-5} N = {n,6:N0}  {point.Seconds * 1000,9:N0} ms  callback runs {point.CallbackRuns}");
                    points.Add(point);
                }
            }
        }

        return points;
    }

    private static async Task<Point> MeasureAsync(string url, QueueMonitor monitor, int n, bool chord)
    {
        var names = BenchNames.Fresh(chord ? "c" : "g");
        try
        {
            await using var side = await TypedSide.StartAsync(url, names, _ => { });
            var members = TaskGroup.Of(Enumerable.Range(0, n).Select(i => new TaskCall<int>(BenchTasks.Echo, new EchoArguments(i))));
            var before = BenchTasks.Sums;
            var start = Stopwatch.GetTimestamp();
            int sum;
            if (chord)
            {
                var callback = new PartialTaskCall<IReadOnlyList<int>, int>(BenchTasks.Sum, "values", default(NoArguments));
                var handle = await side.Client.SendChordAsync(members.Then(callback));
                sum = await handle.GetAsync(TimeSpan.FromMinutes(5));
            }
            else
            {
                var handle = await side.Client.SendGroupAsync(members);
                sum = (await handle.GetAsync(TimeSpan.FromMinutes(5))).Sum();
            }

            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var expected = n * (n - 1) / 2;
            if (sum != expected)
            {
                throw new InvalidOperationException($"The {(chord ? "chord" : "group")} of {n} summed to {sum}, not {expected}.");
            }

            return new Point(n, chord ? "chord" : "group", seconds, BenchTasks.Sums - before);
        }
        finally
        {
            await monitor.CleanupAsync(names);
            await monitor.DeleteStreamAsync(names.Prefix.ToUpperInvariant() + "_CHORDS");
        }
    }

    public static string ToMarkdown(List<Point> points, string serverVersion, string machine, string runtime, string command)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# TypedTasks chords: a chord against the same members as a plain group (nats-server {serverVersion})");
        sb.AppendLine();
        sb.AppendLine($"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `{command}`; {machine}; {runtime}.");
        sb.AppendLine();
        sb.AppendLine("| N members | group: send + read every result (median, min–max) | chord: send + callback's result (median, min–max) | chord / group | callback runs per chord |");
        sb.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var size in points.Select(p => p.N).Distinct())
        {
            var group = points.Where(p => p.N == size && p.Kind == "group").Select(p => p.Seconds).Order().ToArray();
            var chord = points.Where(p => p.N == size && p.Kind == "chord").ToArray();
            var chordSeconds = chord.Select(p => p.Seconds).Order().ToArray();
            sb.AppendLine($"| {size:N0} | {Ms(group)} | {Ms(chordSeconds)} | {Median(chordSeconds) / Median(group):0.00} | {string.Join(", ", chord.Select(p => p.CallbackRuns))} |");
        }

        sb.AppendLine();
        sb.AppendLine("How: a worker with defaults in the bench process (Concurrency = cores), `echo(i)` members on one queue; the chord's");
        sb.AppendLine("callback `sum(IReadOnlyList<int>)` runs on the same worker. The group row is what a chord replaces: the sender waits");
        sb.AppendLine("for every member's result and sums them itself. A chord's member additionally publishes its marker and asks for the");
        sb.AppendLine("marker count (one request each); the member that completes the chord reads the N markers once, sends the callback");
        sb.AppendLine("and purges them. Fresh streams and bucket per measurement; runs alternate group, chord.");
        return sb.ToString();

        static double Median(double[] sorted) => sorted[sorted.Length / 2];

        static string Ms(double[] sorted) => $"{Median(sorted) * 1000:N0} ms ({sorted[0] * 1000:N0}–{sorted[^1] * 1000:N0})";
    }
}
