using System.ComponentModel;
using System.Text.Json;

namespace TypedTasks.Generated;

/// <summary>
/// The arguments of one task call, written as the JSON object that forms the body of a task message
/// (one property per argument, named like the parameter). The generator implements it as a struct per task.
/// Plumbing for generated code; user code never needs it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ITaskArguments
{
    /// <summary>Writes the arguments as one JSON object.</summary>
    /// <param name="writer">The writer to write to.</param>
    void WriteTo(Utf8JsonWriter writer);
}
