using System.Text.Json.Serialization;

namespace TypedTasks.Protocol;

/// <summary>Source-generated JSON of task events (<c>docs/protocol.md</c>, section 7b).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(TaskEvent))]
internal sealed partial class TaskEventJson : JsonSerializerContext;
