using System.Diagnostics;
using System.Globalization;

namespace TypedTasks.WorkerHost;

/// <summary>
/// Tasks that hang or kill their worker. Each run appends a line <c>{pid} {UTC ticks}</c> to the marker file it is
/// given, so a test counts runs (across processes) and times them.
/// </summary>
public static partial class CrashTasks
{
    /// <summary>Set by this assembly's <c>Program</c>: only a WorkerHost process may kill itself, never a test host
    /// that registers these tasks in-process.</summary>
    public static bool MayKillProcess { get; set; }

    /// <summary>Marks the run; the first run blocks until cancelled, later runs return at once. Deciding by the run
    /// count, not by a file the test writes, leaves no race between the test and the first run.</summary>
    [Task(Name = "crash.hang")]
    public static async Task<string> Hang(string marker, CancellationToken ct)
    {
        Mark(marker);
        if (ReadRuns(marker).Count < 2)
        {
            await Task.Delay(Timeout.Infinite, ct);
        }

        return "released in " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Marks the run, then kills its own process (SIGKILL: no shutdown, no ack, no NAK).</summary>
    // TrackStarted: every run is recorded before it starts, so runs are counted exactly even when the broker's
    // delivery count is off (nats-server 2.9 sometimes reports a redelivery as a first delivery).
    [Task(Name = "crash.crash", TrackStarted = true)]
    public static int Crash(string marker)
    {
        Mark(marker);
        if (!MayKillProcess)
        {
            throw new InvalidOperationException("crash.crash ran outside a WorkerHost process; refusing to kill it.");
        }

        Process.GetCurrentProcess().Kill();
        return 0;
    }

    [Task(Name = "crash.echo")]
    public static int Echo(int value) => value;

    /// <summary>The runs recorded in a marker file: process id and start time of each.</summary>
    public static IReadOnlyList<(int ProcessId, DateTime StartedAt)> ReadRuns(string marker)
    {
        if (!File.Exists(marker))
        {
            return [];
        }

        return File.ReadAllLines(marker)
            .Where(line => line.Length > 0)
            .Select(line => line.Split(' '))
            .Select(parts => (int.Parse(parts[0], CultureInfo.InvariantCulture), new DateTime(long.Parse(parts[1], CultureInfo.InvariantCulture), DateTimeKind.Utc)))
            .ToList();
    }

    private static void Mark(string marker)
        => File.AppendAllText(marker, $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} {DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture)}\n");
}
