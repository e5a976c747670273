using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TypedTasks.Generated;
using TypedTasks.Semantics;

namespace TypedTasks.Protocol;

/// <summary>
/// The value of a key in the task catalog bucket (<c>TT_CATALOG</c>, docs/protocol.md §2, "The task catalog"): what a
/// worker knows of one task it serves — its name, default queue, arguments as the wire carries them, result type and the
/// options worth showing — so a producer that has no C# (<c>tt send</c>, another language) and the dashboard can learn them.
/// Written by workers at start-up, only when it changed; read by <c>tt tasks</c>, <c>tt send</c> and the dashboard.
/// </summary>
internal sealed record TaskCatalogEntry
{
    /// <summary>The longest value a reader takes (and the bucket's <c>max_value_size</c>): 64 KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The most arguments a reader takes from one entry.</summary>
    public const int MaxArguments = 256;

    /// <summary>The longest task name kept as the key itself; longer ones (and names with other characters) are hashed.</summary>
    public const int MaxPlainKeyLength = 200;

    /// <summary>Entry format version.</summary>
    public int V { get; init; } = 1;

    /// <summary>The task's name (<c>TT-Task</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The queue it is sent to unless the sender says otherwise (<c>tt.tasks.&lt;queue&gt;</c>).</summary>
    public required string Queue { get; init; }

    /// <summary>The properties of the arguments object, in parameter order; null when the worker's definition does not
    /// describe them (written by hand, or by an older generator).</summary>
    public IReadOnlyList<CatalogArgument>? Arguments { get; init; }

    /// <summary>The result's .NET type, for display; null for none.</summary>
    public string? Result { get; init; }

    /// <summary>Whether workers store no result.</summary>
    public bool IgnoreResult { get; init; }

    /// <summary>Retries after a failure.</summary>
    public int MaxRetries { get; init; }

    /// <summary>The soft time limit (<c>hh:mm:ss</c>), when set.</summary>
    public TimeSpan? SoftTimeLimit { get; init; }

    /// <summary>The hard time limit (<c>hh:mm:ss</c>), when set.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>How long after sending the task may still start (<c>hh:mm:ss</c>), when set.</summary>
    public TimeSpan? Expires { get; init; }

    /// <summary>The rate limit in Celery's notation (<c>10/s</c>), when set.</summary>
    public string? RateLimit { get; init; }

    /// <summary>The TypedTasks version of the worker that wrote it.</summary>
    public string? Version { get; init; }

    /// <summary>The worker's application: its entry assembly's name and version.</summary>
    public string? App { get; init; }

    /// <summary>The worker that wrote it (its id in the workers bucket).</summary>
    public string? WrittenBy { get; init; }

    /// <summary>When it was written.</summary>
    public DateTimeOffset? WrittenAt { get; init; }

    /// <summary>The entry a worker publishes for <paramref name="task"/>.</summary>
    public static TaskCatalogEntry From(TaskDefinition task, string? version, string? app, string workerId, DateTimeOffset now) => new()
    {
        Name = task.Name,
        Queue = task.Queue,
        Arguments = task.Arguments?.Select(a => new CatalogArgument
        {
            Name = a.Name,
            Type = KindName(a.Kind),
            DotnetType = a.TypeName,
            Required = a.IsRequired,
            Nullable = a.IsNullable,
        }).ToList(),
        Result = task.ResultTypeName,
        IgnoreResult = task.IgnoreResult,
        MaxRetries = task.MaxRetries,
        SoftTimeLimit = task.SoftTimeLimit,
        TimeLimit = task.TimeLimit,
        Expires = task.Expires,
        RateLimit = task.RateLimit?.ToString(),
        Version = version,
        App = app,
        WrittenBy = workerId,
        WrittenAt = now,
    };

    /// <summary>The JSON kinds an entry names, as JSON Schema names its types (plus <c>any</c>).</summary>
    public static string KindName(TaskArgumentKind kind) => kind switch
    {
        TaskArgumentKind.String => "string",
        TaskArgumentKind.Integer => "integer",
        TaskArgumentKind.Number => "number",
        TaskArgumentKind.Boolean => "boolean",
        TaskArgumentKind.Array => "array",
        TaskArgumentKind.Object => "object",
        _ => "any",
    };

    /// <summary>Whether this entry says what <paramref name="other"/> says, ignoring who wrote it and when: a worker
    /// leaves an entry that would not change as it is.</summary>
    public bool SameDescription(TaskCatalogEntry other)
        => V == other.V && Name == other.Name && Queue == other.Queue && Result == other.Result && IgnoreResult == other.IgnoreResult
           && MaxRetries == other.MaxRetries && SoftTimeLimit == other.SoftTimeLimit && TimeLimit == other.TimeLimit
           && Expires == other.Expires && RateLimit == other.RateLimit && Version == other.Version && App == other.App
           && (Arguments is null ? other.Arguments is null : other.Arguments is not null && Arguments.SequenceEqual(other.Arguments));

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, TaskCatalogJson.Default.TaskCatalogEntry);

    /// <summary>Reads an entry; null when the value is not one, is larger than <see cref="MaxBytes"/>, or breaks a bound
    /// (a name that is no task name, a queue that is no queue name, too many arguments or an argument without a name).
    /// Every byte here comes from whoever may write the bucket.</summary>
    public static TaskCatalogEntry? Read(ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxBytes)
        {
            return null;
        }

        TaskCatalogEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize(value, TaskCatalogJson.Default.TaskCatalogEntry);
        }
        catch (JsonException)
        {
            return null;
        }

        if (entry is null || entry.Name is not { Length: > 0 and <= 1024 } || !TaskNames.IsValidName(entry.Name) || entry.Queue is not { Length: <= 64 } || !NatsNames.IsValidQueue(entry.Queue))
        {
            return null;
        }

        if (entry.Arguments is { } arguments
            && (arguments.Count > MaxArguments || arguments.Any(a => a is null || string.IsNullOrEmpty(a.Name) || string.IsNullOrEmpty(a.Type))))
        {
            return null;
        }

        return entry;
    }

    /// <summary>
    /// The entry's key: the task name itself when it is 1 to <see cref="MaxPlainKeyLength"/> letters, digits, <c>-</c>,
    /// <c>_</c> and <c>.</c> (not at either end, never two together), as KV keys allow; else <c>=</c> and the first 40 hex
    /// digits of the name's SHA-256 (<c>=</c> never starts a plain key, so the two kinds never meet). The value keeps the
    /// name, and a reader checks it.
    /// </summary>
    public static string Key(string name)
    {
        var plain = name.Length is > 0 and <= MaxPlainKeyLength
            && name[0] != '.' && name[^1] != '.' && !name.Contains("..", StringComparison.Ordinal)
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        return plain ? name : "=" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 20)).ToLowerInvariant();
    }
}

/// <summary>One argument of a catalog entry (<see cref="TaskArgumentInfo"/> on the wire).</summary>
internal sealed record CatalogArgument
{
    /// <summary>The property name in the arguments object.</summary>
    public required string Name { get; init; }

    /// <summary>The JSON kind: <c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c>, <c>array</c>, <c>object</c> or
    /// <c>any</c>; a reader treats a kind it does not know as <c>any</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The .NET type as C# writes it, for display.</summary>
    public string? DotnetType { get; init; }

    /// <summary>Whether a message must carry it.</summary>
    public bool Required { get; init; }

    /// <summary>Whether <c>null</c> is accepted.</summary>
    public bool Nullable { get; init; }
}

/// <summary>Source-generated JSON of catalog entries.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TaskCatalogEntry))]
internal sealed partial class TaskCatalogJson : JsonSerializerContext;
