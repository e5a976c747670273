using System.Text.Json;
using TypedTasks.Generated;

namespace TypedTasks.Protocol;

/// <summary>Arguments already written as a JSON object (a signature's, a chain step's), written again as they are.</summary>
internal readonly struct RawTaskArguments(ReadOnlyMemory<byte> json) : ITaskArguments
{
    public void WriteTo(Utf8JsonWriter writer) => writer.WriteRawValue(json.Span, skipInputValidation: true);
}
