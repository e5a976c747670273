using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TypedTasks.Bench;

/// <summary>
/// The dashboard figure (<c>./bench/run.sh dash</c>): how long each dashboard page takes to serve over Kestrel on
/// loopback, first on an empty deployment, then after <c>records</c> tasks have run (one result record each in the
/// bucket) and <c>deadLetters</c> messages have been dead-lettered — the issue's bound is 100,000 records and 1,000 dead
/// letters. A page whose time grew with the data would read keys or letters it does not show.
/// </summary>
public static class DashboardPages
{
    public sealed record Point(string Page, string Data, double[] Milliseconds, int Bytes);

    /// <summary>A task no worker serves: every message of it is dead-lettered by the intake ("unknown task").</summary>
    private static readonly TaskDefinition Missing = new("bench.missing", _ => default) { Queue = BenchTasks.Queue };

    public static async Task<(List<Point> Points, string Fill)> RunAsync(string url, QueueMonitor monitor, int records, int deadLetters, int requests)
    {
        var names = BenchNames.Fresh("d");
        try
        {
            await using var app = await StartAsync(url, names);
            using var http = new HttpClient { BaseAddress = new Uri(app.Address) };
            var points = new List<Point>();
            // Warm-up (JIT), not reported.
            await MeasureAsync(http, Pages(null, null), "warm-up", 20);
            points.AddRange(await MeasureAsync(http, Pages(null, null), "empty", requests));

            var fill = Stopwatch.StartNew();
            var client = app.Services.GetRequiredService<ITaskClient>();
            string? someId = null;
            var ring = new ValueTask<TaskHandle<int>>[256];
            for (var i = 0; i < records; i++)
            {
                if (i >= ring.Length)
                {
                    var handle = await ring[i % ring.Length];
                    someId ??= handle.Id;
                }

                ring[i % ring.Length] = client.EnqueueAsync<EchoArguments, int>(BenchTasks.Echo, new EchoArguments(i));
            }

            for (var i = Math.Max(0, records - ring.Length); i < records; i++)
            {
                await ring[i % ring.Length];
            }

            for (var i = 0; i < deadLetters; i++)
            {
                await client.EnqueueAsync(Missing, new EchoArguments(i));
            }

            await monitor.WaitEmptyAsync(names, TimeSpan.FromMinutes(10));
            var filled = fill.Elapsed;
            await using var nats = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = url });
            var js = new NATS.Client.JetStream.NatsJSContext(nats);
            var bucket = await js.GetStreamAsync("KV_" + names.ResultsBucket);
            var dead = await js.GetStreamAsync(names.Prefix.ToUpperInvariant() + "_DEAD");
            var stored = $"{bucket.Info.State.Messages:N0} result records, {dead.Info.State.Messages:N0} dead letters (filled in {filled.TotalSeconds:N0} s)";
            Console.WriteLine($"  dash: {stored}");

            // The second page of dead letters starts after the first page's last sequence.
            var secondPage = dead.Info.State.FirstSeq + 50;
            // A page that shows the wrong thing fast is no figure: the task page must show the task, finished.
            var taskPage = await http.GetStringAsync("/tasks/tasks/" + someId);
            if (!taskPage.Contains(someId!, StringComparison.Ordinal) || !taskPage.Contains("SUCCESS", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The task page of {someId} does not show it as SUCCESS.");
            }

            points.AddRange(await MeasureAsync(http, Pages(someId, secondPage), "filled", requests));
            return (points, stored);
        }
        finally
        {
            await monitor.CleanupAsync(names);
        }
    }

    private static (string Name, string Path)[] Pages(string? taskId, ulong? deadFrom) =>
    [
        ("overview", "/tasks"),
        ("queues", "/tasks/queues"),
        ("workers", "/tasks/workers"),
        ("tasks (recent)", "/tasks/tasks"),
        ("tasks, search by id", "/tasks/tasks?id=" + (taskId ?? "0193a5c2e4d87b5c9f3e2a1b0c9d8e7f")),
        ("one task", "/tasks/tasks/" + (taskId ?? "0193a5c2e4d87b5c9f3e2a1b0c9d8e7f")),
        ("workflows", "/tasks/workflows"),
        ("dead letters", "/tasks/dead"),
        ("dead letters, a later page", "/tasks/dead?from=" + (deadFrom ?? 1)),
        ("due later", "/tasks/scheduled"),
        ("periodic", "/tasks/periodic"),
    ];

    private static async Task<List<Point>> MeasureAsync(HttpClient http, (string Name, string Path)[] pages, string data, int requests)
    {
        var points = new List<Point>();
        foreach (var (name, path) in pages)
        {
            var times = new double[requests];
            var bytes = 0;
            for (var i = 0; i < requests; i++)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path);
                var body = await response.Content.ReadAsByteArrayAsync();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (response.StatusCode == System.Net.HttpStatusCode.NotFound && i == 0 && !path.Contains("/tasks/tasks/", StringComparison.Ordinal))
                {
                    // A page this build does not have.
                    times = [];
                    break;
                }

                if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.NotFound)
                {
                    throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}.");
                }

                bytes = body.Length;
            }

            if (times.Length > 0)
            {
                Array.Sort(times);
                points.Add(new Point(name, data, times, bytes));
            }
        }

        return points;
    }

    private sealed class App(WebApplication app, string address) : IAsyncDisposable
    {
        public string Address { get; } = address;

        public IServiceProvider Services => app.Services;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<App> StartAsync(string url, BenchNames names)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services
            .AddTypedTasks(o =>
            {
                o.Url = url;
                o.Prefix = names.Prefix;
                o.ConnectionName = "bench-dashboard";
                // What the recent-tasks list reads (docs/dashboard.md).
                o.SendTaskEvents = true;
            })
            .AddTask(BenchTasks.Echo)
            .AddWorker(o => o.ShutdownGracePeriod = TimeSpan.FromSeconds(5));
        var app = builder.Build();
        app.MapTypedTasksDashboard("/tasks");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new App(app, address);
    }

    public static string ToMarkdown(List<Point> points, string fill, int requests, string serverVersion, string machine, string runtime, string command)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# TypedTasks dashboard: page times, empty and with data (nats-server {serverVersion})");
        sb.AppendLine();
        sb.AppendLine($"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `{command}`; {machine}; {runtime}.");
        sb.AppendLine();
        sb.AppendLine($"With data: {fill}. Each page requested {requests} times one after another (a GET over Kestrel on loopback,");
        sb.AppendLine("the whole body read), after 20 unmeasured requests per page.");
        sb.AppendLine();
        sb.AppendLine("| page | empty: p50 / p95 ms | with data: p50 / p95 ms | body with data |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var page in points.Select(p => p.Page).Distinct())
        {
            var empty = points.FirstOrDefault(p => p.Page == page && p.Data == "empty");
            var filled = points.FirstOrDefault(p => p.Page == page && p.Data == "filled");
            sb.AppendLine($"| {page} | {Times(empty)} | {Times(filled)} | {(filled is null ? "—" : $"{filled.Bytes / 1024.0:N1} KB")} |");
        }

        sb.AppendLine();
        sb.AppendLine("How: an ASP.NET Core app with `MapTypedTasksDashboard(\"/tasks\")`, Development on loopback (no policy), task");
        sb.AppendLine("events on, a worker with defaults in the same process; the records are written by real `echo` runs and the dead");
        sb.AppendLine("letters by the intake refusing a task no worker serves. \"One task\" and the search are a task of the fill.");
        return sb.ToString();

        static string Times(Point? point)
            => point is null ? "—" : $"{Percentile(point.Milliseconds, 0.50):N2} / {Percentile(point.Milliseconds, 0.95):N2}";

        static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }
}
