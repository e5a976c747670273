using System.Globalization;
using System.Text.Json;
using TypedTasks.Protocol;
using TypedTasks.Semantics;

namespace TypedTasks.Topology;

/// <summary>
/// What a scheduler sends, and when, for one schedule: made from a <see cref="PeriodicSchedule"/> of this process's code
/// or read from a record of the schedules bucket. A record is input from the wire: <see cref="TryRead"/> checks every
/// field it sends (names, queue, cron, time zone, arguments) and refuses it with a reason instead of sending it.
/// </summary>
internal sealed class ScheduleDefinition
{
    /// <summary>A record's arguments object larger than this is refused (the task message carries it at each occurrence).</summary>
    public const int MaxArgumentsBytes = 64 * 1024;

    private ScheduleDefinition(string name, string task, string queue, TimeSpan? expires, ReadOnlyMemory<byte> arguments, PeriodicTiming timing, PeriodicCatchUp catchUp, string source)
    {
        Name = name;
        Task = task;
        Queue = queue;
        Expires = expires;
        ArgumentsJson = arguments;
        Timing = timing;
        CatchUp = catchUp;
        Source = source;
    }

    public string Name { get; }

    public string Task { get; }

    public string Queue { get; }

    public TimeSpan? Expires { get; }

    public ReadOnlyMemory<byte> ArgumentsJson { get; }

    public PeriodicTiming Timing { get; }

    public PeriodicCatchUp CatchUp { get; }

    /// <summary><see cref="ScheduleRecord.FromCode"/> or <see cref="ScheduleRecord.FromApi"/>.</summary>
    public string Source { get; }

    public static ScheduleDefinition From(PeriodicSchedule schedule, string source)
        => new(schedule.Name, schedule.Call.Task.Name, schedule.Call.Task.Queue, schedule.Call.Task.Expires, schedule.Call.ArgumentsJson, schedule.Timing, schedule.CatchUp, source);

    /// <summary>The record that describes <paramref name="schedule"/> (bookkeeping fields empty).</summary>
    public static ScheduleRecord Describe(PeriodicSchedule schedule, string source)
    {
        using var arguments = JsonDocument.Parse(schedule.Call.ArgumentsJson);
        return new ScheduleRecord
        {
            Name = schedule.Name,
            Task = schedule.Call.Task.Name,
            Queue = schedule.Call.Task.Queue,
            Cron = schedule.Cron,
            Every = schedule.Every?.ToString("c", CultureInfo.InvariantCulture),
            TimeZone = schedule.TimeZone,
            CatchUp = schedule.CatchUp.ToString(),
            Arguments = arguments.RootElement.Clone(),
            Expires = schedule.Call.Task.Expires?.ToString("c", CultureInfo.InvariantCulture),
            Source = source,
        };
    }

    /// <summary>Reads the definition of a record found under <paramref name="key"/>; null with the reason when it cannot be sent.</summary>
    public static ScheduleDefinition? TryRead(string key, ScheduleRecord record, out string? problem)
    {
        problem = Check(key, record);
        if (problem is not null)
        {
            return null;
        }

        PeriodicTiming timing;
        try
        {
            var every = record.Every is { } text ? TimeSpan.ParseExact(text, "c", CultureInfo.InvariantCulture) : (TimeSpan?)null;
            timing = PeriodicTiming.Create(record.Cron, every, record.Cron is null ? null : record.TimeZone);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            problem = "its timing cannot be used: " + ex.Message;
            return null;
        }

        TimeSpan? expires = null;
        if (record.Expires is { } expiresText)
        {
            if (!TimeSpan.TryParseExact(expiresText, "c", CultureInfo.InvariantCulture, out var parsed) || parsed <= TimeSpan.Zero)
            {
                problem = $"expires \"{expiresText}\" is not a positive hh:mm:ss duration";
                return null;
            }

            expires = parsed;
        }

        var arguments = record.Arguments is { } element ? Write(element) : "{}"u8.ToArray();
        if (arguments.Length > MaxArgumentsBytes)
        {
            problem = $"its arguments take {arguments.Length} bytes, more than {MaxArgumentsBytes}";
            return null;
        }

        return new ScheduleDefinition(record.Name, record.Task, record.Queue, expires, arguments, timing, Enum.Parse<PeriodicCatchUp>(record.CatchUp), record.Source ?? ScheduleRecord.FromCode);
    }

    private static byte[] Write(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string? Check(string key, ScheduleRecord record)
    {
        if (record.Name != key || !PeriodicSyntax.IsValidName(record.Name))
        {
            return $"its name \"{record.Name}\" is not a valid schedule name or not its key";
        }

        if (record.Task is not { Length: > 0 and <= 256 } task || task.AsSpan().IndexOfAnyExceptInRange('!', '~') >= 0)
        {
            return "its task name is not 1 to 256 printable ASCII characters";
        }

        if (record.Queue is not { Length: > 0 and <= 64 } queue || !NatsNames.IsValidQueue(queue))
        {
            return $"its queue \"{record.Queue}\" is not a valid queue name";
        }

        if (!Enum.TryParse<PeriodicCatchUp>(record.CatchUp, ignoreCase: false, out var catchUp) || !Enum.IsDefined(catchUp) || record.CatchUp != catchUp.ToString())
        {
            return $"its catch-up \"{record.CatchUp}\" is not Latest, All or None";
        }

        if (record.Cron is { Length: > 200 } || record.Every is { Length: > 32 } || record.TimeZone is not { Length: > 0 and <= 64 } || record.Expires is { Length: > 32 })
        {
            return "its cron string, interval, time zone or expiry is longer than any valid one";
        }

        if (record.Arguments is { ValueKind: not JsonValueKind.Object })
        {
            return "its arguments are not a JSON object";
        }

        return null;
    }
}
