using System.Diagnostics;
using System.Globalization;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>How a scenario's processes are set up.</summary>
public sealed record FaultRunOptions
{
    /// <summary>Slots per worker process.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>The workers' AckWait: the default (3 s), so orphan re-run times are what users get.</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Configuration shared by the producer and every worker (broker and backend settings).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}

/// <summary>
/// One scenario run: a fresh prefix on the given server(s), a ledger, the producer, worker processes, and the
/// disruptions made to them; <see cref="FinishAsync"/> waits for the run to complete and counts it.
/// </summary>
public sealed class FaultRun : IAsyncDisposable
{
    private static int s_counter;

    private readonly List<WorkerProcess> _workers = [];
    private readonly List<Disruption> _disruptions = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private FaultRun(string scenario, string url, string server, FaultRunOptions options, Producer producer, Inspector inspector, string prefix)
    {
        Scenario = scenario;
        Url = url;
        Server = server;
        Options = options;
        Producer = producer;
        Inspector = inspector;
        Prefix = prefix;
    }

    public string Scenario { get; }

    public string Url { get; }

    public string Server { get; }

    public string Prefix { get; }

    public FaultRunOptions Options { get; }

    public Ledger Ledger { get; } = new();

    public Producer Producer { get; }

    public Inspector Inspector { get; }

    public IReadOnlyList<WorkerProcess> Workers => _workers;

    public IReadOnlyList<Disruption> Disruptions => _disruptions;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts the producer (which creates the streams and buckets with the shared settings).</summary>
    public static async Task<FaultRun> StartAsync(string scenario, string url, string server, FaultRunOptions? options = null)
    {
        options ??= new FaultRunOptions();
        var prefix = "f" + Interlocked.Increment(ref s_counter).ToString(CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..6];
        var producer = await Producer.StartAsync(url, prefix, options.Settings);
        return new FaultRun(scenario, url, server, options, producer, new Inspector(url, prefix), prefix);
    }

    /// <summary>Starts a worker process with the run's settings and its own ledger file.</summary>
    public WorkerProcess StartWorker()
    {
        var settings = Options.Settings.Select(kv => $"--{kv.Key}={kv.Value}");
        var worker = WorkerProcess.Start(Url, Prefix, Ledger.NewFile(), Options.Concurrency, Options.AckWait, settings);
        _workers.Add(worker);
        return worker;
    }

    public void Record(Disruption disruption)
    {
        _disruptions.Add(disruption);
        var at = _clock.Elapsed - (DateTime.UtcNow - disruption.At);
        Log($"{disruption.Kind}: {(disruption.ProcessId == 0 ? "broker" : "pid " + disruption.ProcessId)} at {at.TotalSeconds:F1} s; {Ledger.Refresh()} tasks ended by {_clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Waits until at least <paramref name="count"/> distinct tasks ended (some worker's ledger says so).</summary>
    public Task WaitForEndedAsync(int count, TimeSpan timeout)
        => Until.TrueAsync(() => Ledger.Refresh() >= count, timeout, () => $"{Ledger.EndedIds} of {count} tasks ended. {WorkerLogs()}", Ct);

    /// <summary>Waits until <paramref name="process"/> started at least one task (it is up and fetching).</summary>
    public Task WaitForStartsAsync(WorkerProcess process, TimeSpan timeout)
        => Until.TrueAsync(
            () =>
            {
                Ledger.Refresh();
                return Ledger.Lines.Any(l => l.ProcessId == process.Id);
            },
            timeout,
            () => $"worker {process.Id} started nothing. {WorkerLogs()}",
            Ct);

    /// <summary>
    /// Waits until every accepted task ran, the consumer is drained and each accepted task has a final record (for
    /// up to <paramref name="recordCheckLimit"/> tasks; past it only the re-run ones are read); then counts the run,
    /// appends it to the results file and writes it to the test output.
    /// </summary>
    public async Task<ScenarioResult> FinishAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? notes = null, int run = 1, int recordCheckLimit = 20_000)
    {
        var sends = Producer.Outcomes;
        var accepted = sends.Where(s => s.Accepted).Select(s => s.Id).ToList();
        await Until.TrueAsync(
            () => Ledger.AllEnded(accepted),
            timeout,
            () => $"{accepted.Count(id => Ledger.Lines.Any(l => l.Id == id && l.Kind == 'E'))} of {accepted.Count} accepted tasks ran. {WorkerLogs()}",
            Ct);
        var duration = _clock.Elapsed;
        var queue = await Inspector.WaitDrainedAsync(TimeSpan.FromSeconds(60), Ct);

        var lines = Ledger.Lines;
        var rerun = lines.GroupBy(l => l.Id).Where(g => g.Count(l => l.Kind == 'S') > 1).Select(g => g.Key);
        var toRead = (accepted.Count <= recordCheckLimit ? accepted.Concat(sends.Where(s => !s.Accepted).Select(s => s.Id)) : rerun).Distinct().ToList();
        var records = await Inspector.RecordsAsync(toRead, Ct);
        if (accepted.Count <= recordCheckLimit)
        {
            // A record is stored just after the task's body ends: wait for the last few.
            await Until.TrueAsync(
                async () =>
                {
                    var missing = accepted.Where(id => !records.TryGetValue(id, out var r) || !r.IsFinal).ToList();
                    if (missing.Count == 0)
                    {
                        return true;
                    }

                    foreach (var (id, record) in await Inspector.RecordsAsync(missing, Ct))
                    {
                        records[id] = record;
                    }

                    return missing.All(id => records.TryGetValue(id, out var r) && r.IsFinal);
                },
                TimeSpan.FromSeconds(30),
                () => $"{accepted.Count(id => !records.TryGetValue(id, out var r) || !r.IsFinal)} accepted tasks have no final record",
                Ct);
        }

        var allNotes = new Dictionary<string, string>(notes ?? new Dictionary<string, string>());
        if (Environment.GetEnvironmentVariable("FAULT_KEEP_LEDGER") == "1")
        {
            allNotes["ledger"] = Ledger.Directory;
        }

        if (accepted.Count > recordCheckLimit)
        {
            allNotes["records"] = $"read for the {toRead.Count} re-run tasks only (over {recordCheckLimit} accepted)";
        }

        var result = ScenarioResult.Analyse(Scenario, Server, sends, lines, records, _disruptions, queue, duration, allNotes, run, recordsOfAll: accepted.Count <= recordCheckLimit);
        Write(result);
        return result;
    }

    /// <summary>What holds today in every scenario: nothing accepted is lost, every accepted task has a SUCCESS record,
    /// and the consumer has nothing left (its pending counts, not the stream's message count: see docs/nats.md, "After a crash").</summary>
    public static void AssertHoldsToday(ScenarioResult result)
    {
        Assert.True(result.Lost == 0, $"{result.Lost} accepted tasks never ran: {string.Join(' ', result.LostIds)}\n{result}");
        Assert.True(result.NotSucceeded.Count == 0, $"accepted tasks without a SUCCESS record: {string.Join(", ", result.NotSucceeded.Select(kv => $"{kv.Value} {kv.Key}"))}\n{result}");
        Assert.True(result.Queue is { Drained: true }, $"the queue is not drained: {result.Queue}\n{result}");
    }

    /// <summary>The promise not kept today in some scenarios; asserted only with <see cref="FaultSettings.StrictNoRerunAfterFinal"/>.</summary>
    public static void AssertNoRerunAfterFinal(ScenarioResult result)
        => Assert.True(result.RerunAfterFinal == 0, $"{result.RerunAfterFinal} tasks ran again after their final record was stored: {string.Join(' ', result.RerunAfterFinalIds)}\n{result}");

    /// <summary>Writes a result counted by the scenario itself (not by <see cref="FinishAsync"/>) to the test output and the results file.</summary>
    public static void Report(ScenarioResult result) => Write(result);

    public static void Log(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        TestContext.Current.SendDiagnosticMessage(line);
    }

    private static void Write(ScenarioResult result)
    {
        Log(result.ToString());
        Directory.CreateDirectory(Path.GetDirectoryName(FaultSettings.ResultsFile)!);
        File.AppendAllText(FaultSettings.ResultsFile, result.ToJson() + "\n");
    }

    private string WorkerLogs()
        => string.Join("\n", _workers.Select(w => $"--- worker {w.Id}{(w.HasExited ? " (exited)" : "")} ---\n{Tail(w.Output)}"));

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        await Producer.DisposeAsync();
        await Inspector.DisposeAsync();
        Ledger.Dispose();
    }
}
