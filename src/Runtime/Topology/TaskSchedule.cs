using System.Globalization;
using NATS.Client.Core;
using TypedTasks.Protocol;

namespace TypedTasks.Topology;

/// <summary>
/// Addresses a task that is due later (countdown, ETA, next attempt) to where it waits: a native schedule message
/// (nats-server 2.12+) or the schedule stream. The one place both the client and the worker's retries go through.
/// </summary>
internal static class TaskSchedule
{
    /// <summary>The header that makes a message a schedule (nats-server 2.12+): <c>@at &lt;RFC 3339 time&gt;</c>.</summary>
    public const string ScheduleHeader = "Nats-Schedule";

    /// <summary>The subject the server publishes a schedule message to when it is due (same stream).</summary>
    public const string TargetHeader = "Nats-Schedule-Target";

    /// <summary>
    /// The server fires due schedules on a timer of at least this step, so a schedule fires up to this late. Native
    /// schedules therefore ask to fire this much early, and the forwarder holds each task until its ETA.
    /// </summary>
    public static readonly TimeSpan ServerTimerStep = TimeSpan.FromMilliseconds(250);

    /// <summary>Adds the scheduling headers and returns the subject to publish to.</summary>
    public static string Address(NatsNames names, bool native, string queue, string id, DateTimeOffset due, NatsHeaders headers)
    {
        headers[TaskHeaders.Eta] = due.ToString("O", CultureInfo.InvariantCulture);
        headers[TaskHeaders.Queue] = queue;
        if (!native)
        {
            return names.ScheduleSubject(queue);
        }

        headers[ScheduleHeader] = FormatAt(due - ServerTimerStep);
        headers[TargetHeader] = names.DueSubject(queue);
        return names.DelayedSubject(queue, id);
    }

    /// <summary>The task's ETA (<c>TT-Eta</c>), if it has one.</summary>
    public static DateTimeOffset? Eta(NatsHeaders? headers)
        => headers is not null && headers.TryGetValue(TaskHeaders.Eta, out var value) && TryParseTime(value.ToString(), out var eta)
            ? eta
            : null;

    /// <summary>Why a message of the schedule stream cannot be moved to a queue (a bad <c>TT-Queue</c> or <c>TT-Eta</c>), or null.</summary>
    public static string? Problem(NatsHeaders headers, string? queue)
    {
        if (queue is null || queue.Length > 64 || !NatsNames.IsValidQueue(queue))
        {
            return $"The scheduled message names no valid queue ({TaskHeaders.Queue} '{WireText.Bound(queue)}'): use 1 to 64 letters, digits, '-' and '_'.";
        }

        return Eta(headers) is null
            ? $"The scheduled message has no valid {TaskHeaders.Eta} header (an ISO 8601 time with an offset, e.g. 2026-01-31T12:00:00Z)."
            : null;
    }

    /// <summary>
    /// The protocol's one time syntax (<c>TT-Eta</c>, <c>TT-Expires</c>): ISO 8601 with an explicit offset (<c>Z</c> or
    /// <c>±hh:mm</c>), read as that instant. A time without an offset is refused rather than read in the worker's own time
    /// zone, which would make the same message due at different instants on different machines.
    /// </summary>
    public static bool TryParseTime(string text, out DateTimeOffset time)
        => DateTimeOffset.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out time) && HasOffset(text);

    /// <summary>
    /// Whether the text ends with an offset (<c>Z</c> or <c>±hh:mm</c>). The format specifier <c>K</c> also matches no
    /// offset at all, and such a time would be read in the worker's local time zone: the protocol requires the offset.
    /// </summary>
    private static bool HasOffset(string text)
        => text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static readonly string[] TimeFormats = ["O", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    /// <summary>
    /// The headers a due task goes to its queue with: the task's own, without the server's (<c>Nats-*</c>) and without
    /// the ETA it no longer waits for.
    /// </summary>
    public static NatsHeaders DueHeaders(NatsHeaders scheduled)
    {
        var due = new NatsHeaders();
        foreach (var (key, value) in scheduled)
        {
            if (!key.StartsWith("Nats-", StringComparison.OrdinalIgnoreCase) && key != TaskHeaders.Eta)
            {
                due[key] = value;
            }
        }

        return due;
    }

    /// <summary>
    /// The <c>Nats-Msg-Id</c> a due task is published to its queue with, <c>&lt;id&gt;:&lt;attempt&gt;</c>: a move
    /// repeated after a crash, or by a second mover, is dropped by the broker's duplicate window.
    /// </summary>
    public static string DueMessageId(NatsHeaders scheduled, string fallbackId)
    {
        var id = scheduled.TryGetValue(TaskHeaders.Id, out var i) ? i.ToString() : fallbackId;
        var attempt = scheduled.TryGetValue(TaskHeaders.Attempt, out var a) ? a.ToString() : "1";
        return id + ":" + attempt;
    }

    /// <summary>The <c>Nats-Schedule</c> value for a single delivery at <paramref name="due"/> (UTC, 100 ns precision).</summary>
    public static string FormatAt(DateTimeOffset due)
        => "@at " + due.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether a server that reports <paramref name="version"/> in its INFO has dependable scheduled delivery: 2.12.1 and
    /// later (2.12.0's schedule timer can be pushed back by every new schedule, so under steady scheduling nothing fires).
    /// </summary>
    public static bool ServerSchedules(string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            return false;
        }

        // "2.12.1", "2.12.1-RC.3", "v2.15.1".
        var parts = version.TrimStart('v', 'V').Split('.', 3);
        if (parts.Length < 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }

        var digits = parts[2].Length - parts[2].TrimStart("0123456789".ToCharArray()).Length;
        var patch = digits > 0 ? int.Parse(parts[2].AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        return (major, minor, patch).CompareTo((2, 12, 1)) >= 0;
    }
}
