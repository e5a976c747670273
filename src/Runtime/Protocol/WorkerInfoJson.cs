using System.Text.Json.Serialization;

namespace TypedTasks.Protocol;

/// <summary>Source-generated JSON of worker heartbeats (<c>docs/protocol.md</c>, the workers bucket).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WorkerInfo))]
internal sealed partial class WorkerInfoJson : JsonSerializerContext;
