using System.Globalization;
using NATS.Client.Core;

namespace TypedTasks.Broker;

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

    /// <summary>Adds the scheduling headers and returns the subject to publish to.</summary>
    public static string Address(NatsNames names, bool native, string queue, string id, DateTimeOffset due, NatsHeaders headers)
    {
        headers[TaskHeaders.Eta] = due.ToString("O", CultureInfo.InvariantCulture);
        headers[TaskHeaders.Queue] = queue;
        if (!native)
        {
            return names.ScheduleSubject(queue);
        }

        headers[ScheduleHeader] = FormatAt(due);
        headers[TargetHeader] = names.DueSubject(queue);
        return names.DelayedSubject(queue, id);
    }

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

    /// <summary>Whether a server that reports <paramref name="version"/> in its INFO has scheduled delivery (2.12+).</summary>
    public static bool ServerSchedules(string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            return false;
        }

        // "2.12.0", "2.12.0-RC.3", "v2.15.1": major and minor decide.
        var parts = version.TrimStart('v', 'V').Split('.', 3);
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            && (major > 2 || (major == 2 && minor >= 12));
    }
}
