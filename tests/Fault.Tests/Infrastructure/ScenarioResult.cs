using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>A process disrupted during a run: killed, frozen (until <paramref name="ResumedAt"/>), or the broker
/// stopped (process id 0). <paramref name="At"/> is taken just before the signal is sent.</summary>
public sealed record Disruption(string Kind, int ProcessId, DateTime At, DateTime? ResumedAt = null);

/// <summary>Min, median and max of a set of durations, in milliseconds.</summary>
public sealed record Spread(int Count, double MinMs, double MedianMs, double MaxMs)
{
    public static Spread? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? null : new Spread(sorted.Length, sorted[0], sorted[sorted.Length / 2], sorted[^1]);
    }

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{MinMs / 1000:F1}–{MaxMs / 1000:F1} s (median {MedianMs / 1000:F1} s, n={Count})");
}

/// <summary>
/// What one scenario run measured. Counted from the ledger (what ran), the producer (what was sent and accepted),
/// the results bucket (final records and when they were stored) and the consumer (what is left).
/// </summary>
public sealed record ScenarioResult
{
    public required string Scenario { get; init; }

    public required string Size { get; init; }

    public int Run { get; init; } = 1;

    public required string Server { get; init; }

    public DateTimeOffset FinishedAt { get; init; } = DateTimeOffset.UtcNow;

    public double DurationS { get; init; }

    /// <summary>Sends attempted.</summary>
    public int Sent { get; init; }

    /// <summary>Sends that returned: the broker stored the task.</summary>
    public int Accepted { get; init; }

    /// <summary>Sends that threw.</summary>
    public int Threw { get; init; }

    /// <summary>Sends that threw, yet the task ran (stored, but the acknowledgement was lost).</summary>
    public int ThrewButRan { get; init; }

    /// <summary>The distinct exception messages of the sends that threw (type: message), with counts.</summary>
    public IReadOnlyDictionary<string, int> ThrowReasons { get; init; } = new Dictionary<string, int>();

    /// <summary>Distinct ids whose body ran to the end at least once.</summary>
    public int Ran { get; init; }

    /// <summary>Accepted, never ran to the end.</summary>
    public int Lost { get; init; }

    public IReadOnlyList<string> LostIds { get; init; } = [];

    /// <summary>Ran to the end more than once (the side effects happened twice).</summary>
    public int Duplicated { get; init; }

    public IReadOnlyList<string> DuplicatedIds { get; init; } = [];

    /// <summary>Started more than once (an interrupted run started again: expected after a kill).</summary>
    public int Restarted { get; init; }

    /// <summary>The serious kind: a run started after the task's final record was stored (server time of the KV
    /// write). docs/lifecycle.md promises none.</summary>
    public int RerunAfterFinal { get; init; }

    public IReadOnlyList<string> RerunAfterFinalIds { get; init; } = [];

    /// <summary>Accepted tasks without a final SUCCESS record at the end, by state (absent: "none").</summary>
    public IReadOnlyDictionary<string, int> NotSucceeded { get; init; } = new Dictionary<string, int>();

    /// <summary>From each disruption to the start, on another process, of each task the disrupted process was running.</summary>
    public Spread? OrphanRerun { get; init; }

    public IReadOnlyList<Disruption> Disruptions { get; init; } = [];

    public QueueState? Queue { get; init; }

    public IReadOnlyDictionary<string, string> Notes { get; init; } = new Dictionary<string, string>();

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Counts a run from its parts.</summary>
    public static ScenarioResult Analyse(
        string scenario,
        string server,
        IReadOnlyList<SendOutcome> sends,
        IReadOnlyList<LedgerLine> lines,
        IReadOnlyDictionary<string, StoredRecord> records,
        IReadOnlyList<Disruption> disruptions,
        QueueState? queue,
        TimeSpan duration,
        IReadOnlyDictionary<string, string>? notes = null,
        int run = 1,
        bool recordsOfAll = true)
    {
        var accepted = sends.Where(s => s.Accepted).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var threw = sends.Where(s => !s.Accepted).ToList();
        var byId = lines.GroupBy(l => l.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(l => l.At).ToList(), StringComparer.Ordinal);
        var ended = byId.Where(kv => kv.Value.Any(l => l.Kind == 'E')).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);

        var lost = accepted.Where(id => !ended.Contains(id)).Order(StringComparer.Ordinal).ToList();
        var duplicated = byId.Where(kv => kv.Value.Count(l => l.Kind == 'E') > 1).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
        var restarted = byId.Count(kv => kv.Value.Count(l => l.Kind == 'S') > 1);
        var serious = byId
            .Where(kv => records.TryGetValue(kv.Key, out var r) && r.IsFinal && kv.Value.Any(l => l.Kind == 'S' && l.At > r.StoredAt.UtcDateTime))
            .Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();

        // Without the records of all accepted tasks (a soak), only those read are checked.
        var notSucceeded = accepted
            .Where(id => recordsOfAll || records.ContainsKey(id))
            .Select(id => records.TryGetValue(id, out var r) ? r.State : "none")
            .Where(state => state != "SUCCESS")
            .GroupBy(state => state)
            .ToDictionary(g => g.Key, g => g.Count());

        return new ScenarioResult
        {
            Scenario = scenario,
            Size = FaultSettings.Full ? "full" : "bounded",
            Run = run,
            Server = server,
            DurationS = Math.Round(duration.TotalSeconds, 1),
            Sent = sends.Count,
            Accepted = accepted.Count,
            Threw = threw.Count,
            ThrewButRan = threw.Count(s => ended.Contains(s.Id)),
            ThrowReasons = threw.GroupBy(s => Describe(s.Error)).ToDictionary(g => g.Key, g => g.Count()),
            Ran = ended.Count,
            Lost = lost.Count,
            LostIds = lost.Take(50).ToList(),
            Duplicated = duplicated.Count,
            DuplicatedIds = duplicated.Take(50).ToList(),
            Restarted = restarted,
            RerunAfterFinal = serious.Count,
            RerunAfterFinalIds = serious.Take(50).ToList(),
            NotSucceeded = notSucceeded,
            OrphanRerun = Spread.Of(OrphanDelays(lines, disruptions)),
            Disruptions = disruptions,
            Queue = queue,
            Notes = notes ?? new Dictionary<string, string>(),
        };
    }

    /// <summary>For each disruption of a worker: the tasks it had started and not ended by then, and how long until
    /// each started on another process.</summary>
    private static IEnumerable<double> OrphanDelays(IReadOnlyList<LedgerLine> lines, IReadOnlyList<Disruption> disruptions)
    {
        foreach (var disruption in disruptions.Where(d => d.ProcessId != 0))
        {
            // A signal lands a little after At (a busy machine: tens of ms), so the last lines of a killed process can
            // be later than At; a frozen one writes nothing until it is resumed.
            var until = disruption.ResumedAt ?? DateTime.MaxValue;
            var mine = lines.Where(l => l.ProcessId == disruption.ProcessId && l.At < until).ToList();
            var endedHere = mine.Where(l => l.Kind == 'E').Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
            var running = mine.Where(l => l.Kind == 'S' && !endedHere.Contains(l.Id)).Select(l => l.Id).Distinct(StringComparer.Ordinal);
            foreach (var id in running)
            {
                var rerun = lines.Where(l => l.Id == id && l.Kind == 'S' && l.ProcessId != disruption.ProcessId && l.At > disruption.At)
                    .Select(l => (DateTime?)l.At).Min();
                if (rerun is { } at)
                {
                    yield return (at - disruption.At).TotalMilliseconds;
                }
            }
        }
    }

    private static string Describe(Exception? error)
    {
        if (error is null)
        {
            return "(none)";
        }

        // Ids and ports vary per send: keep the exception type and the message's first sentence.
        var message = error.Message;
        var cut = message.IndexOf(": the", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(';', StringComparison.Ordinal);
        }

        var head = cut > 0 ? message[..cut] : message;
        head = System.Text.RegularExpressions.Regex.Replace(head, @"'t\d{6}'|\[t\d{6}\]|\bt\d{6}\b", "<id>");
        return $"{error.GetType().Name}: {head}";
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A few lines for the test output.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"[{Scenario} run {Run}, {Size}, nats-server {Server}, {DurationS:F1} s] ");
        text.Append(CultureInfo.InvariantCulture, $"sent {Sent}, accepted {Accepted}, threw {Threw} (ran anyway {ThrewButRan}), ran {Ran}, lost {Lost}, duplicated {Duplicated}, restarted {Restarted}, re-run after final record {RerunAfterFinal}");
        if (OrphanRerun is { } orphan)
        {
            text.Append(CultureInfo.InvariantCulture, $"; orphans re-run {orphan}");
        }

        text.AppendLine();
        if (Queue is { } queue)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  queue at the end: {queue}");
        }

        foreach (var (reason, count) in ThrowReasons)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  threw ×{count}: {reason}");
        }

        if (LostIds.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  lost: {string.Join(' ', LostIds)}");
        }

        if (DuplicatedIds.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  duplicated: {string.Join(' ', DuplicatedIds)}");
        }

        if (RerunAfterFinalIds.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  re-run after final record: {string.Join(' ', RerunAfterFinalIds)}");
        }

        foreach (var (state, count) in NotSucceeded)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  accepted without SUCCESS record: {count} in state {state}");
        }

        foreach (var (key, value) in Notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {key}: {value}");
        }

        return text.ToString();
    }
}
