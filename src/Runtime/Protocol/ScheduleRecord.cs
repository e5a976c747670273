using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TypedTasks.Protocol;

/// <summary>
/// The value of a key in the schedules bucket (<c>TT_SCHEDULES</c>, key = schedule name, docs/protocol.md §10): the
/// schedule's definition as the last worker to write it knew it, and the last occurrence sent. Workers update it by
/// compare-and-set and only forwards, so the latest occurrence recorded survives restarts and races.
/// </summary>
internal sealed record ScheduleRecord
{
    /// <summary>Record format version.</summary>
    public int V { get; init; } = 1;

    public required string Name { get; init; }

    public required string Task { get; init; }

    public required string Queue { get; init; }

    /// <summary>The cron string, or null for an interval.</summary>
    public string? Cron { get; init; }

    /// <summary>The interval (<c>hh:mm:ss</c>), or null for a cron string.</summary>
    public string? Every { get; init; }

    public string TimeZone { get; init; } = "UTC";

    public string CatchUp { get; init; } = "Latest";

    /// <summary>The arguments object sent at each occurrence.</summary>
    public JsonElement? Arguments { get; init; }

    /// <summary>The task's <c>Expires</c> (<c>hh:mm:ss</c> or <c>d.hh:mm:ss</c>), stamped on each occurrence as
    /// <c>TT-Expires</c> = occurrence + this; null when the task has none.</summary>
    public string? Expires { get; init; }

    /// <summary>Who defined the schedule: <c>"code"</c> (a worker's <c>[Periodic]</c> or <c>AddPeriodic</c>, written at its
    /// start-up; null in records written before this field) or <c>"api"</c> (<see cref="IPeriodicSchedules"/>, <c>tt</c>).
    /// Schedulers send an <c>api</c> schedule from the record; a <c>code</c> one only where the worker's code declares it.</summary>
    public string? Source { get; init; }

    /// <summary>Removed: schedulers send no more occurrences (the record stays, as a tombstone, with its last occurrence).</summary>
    public bool Removed { get; init; }

    /// <summary>When the definition was last written.</summary>
    public DateTimeOffset? DefinedAt { get; init; }

    /// <summary>Who last wrote the definition: a worker (<c>host/pid</c>) or a client.</summary>
    public string? DefinedBy { get; init; }

    /// <summary>The latest occurrence sent (UTC), or null before the first.</summary>
    public DateTimeOffset? LastOccurrence { get; init; }

    /// <summary>When a worker sent <see cref="LastOccurrence"/>.</summary>
    public DateTimeOffset? LastSentAt { get; init; }

    /// <summary>The worker that recorded <see cref="LastOccurrence"/> (any of those that sent it).</summary>
    public string? SentBy { get; init; }

    /// <summary>When the schedule was first recorded: occurrences before it are never caught up.</summary>
    public DateTimeOffset Since { get; init; }

    /// <summary>Record sources.</summary>
    public const string FromCode = "code";

    /// <summary>Record sources.</summary>
    public const string FromApi = "api";

    /// <summary>Whether this record's definition (what is sent, and when) is <paramref name="other"/>'s, ignoring the
    /// bookkeeping (last occurrence, who wrote it, when).</summary>
    public bool SameDefinition(ScheduleRecord other)
        => Name == other.Name && Task == other.Task && Queue == other.Queue && Cron == other.Cron && Every == other.Every
           && TimeZone == other.TimeZone && CatchUp == other.CatchUp && Expires == other.Expires
           && (Source ?? FromCode) == (other.Source ?? FromCode) && Removed == other.Removed
           && ArgumentsText() == other.ArgumentsText();

    private string ArgumentsText() => Arguments is { } arguments ? arguments.GetRawText() : "{}";

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, ScheduleRecordJson.Default.ScheduleRecord);

    /// <summary>Reads a record; null when the value is not one.</summary>
    public static ScheduleRecord? Read(ReadOnlySpan<byte> value)
    {
        try
        {
            return JsonSerializer.Deserialize(value, ScheduleRecordJson.Default.ScheduleRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The occurrence's <c>Nats-Msg-Id</c>: <c>&lt;schedule&gt;:&lt;occurrence UTC, yyyy-MM-ddTHH:mm:ssZ&gt;</c>,
    /// the same in every worker, so JetStream keeps one copy within its duplicate window.</summary>
    public static string MessageId(string schedule, DateTimeOffset occurrence)
        => schedule + ":" + occurrence.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The occurrence's task id: the first 32 hex digits of SHA-256 of its message id, so a copy sent after the
    /// duplicate window has the id of the first and the worker's read of its record stops it.</summary>
    public static string TaskId(string messageId)
        => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)).AsSpan(0, 16)).ToLowerInvariant();
}

/// <summary>Source-generated JSON of schedule records.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ScheduleRecord))]
internal sealed partial class ScheduleRecordJson : JsonSerializerContext;
