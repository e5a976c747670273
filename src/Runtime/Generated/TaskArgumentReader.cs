using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TypedTasks.Generated;

/// <summary>
/// Reads the JSON object of named task arguments. Used by generated code; every failure becomes a
/// <see cref="TaskArgumentException"/> that names the task and the parameter.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TaskArgumentReader
{
    /// <summary>Reads the opening <c>{</c> of the arguments object.</summary>
    /// <param name="reader">The reader, before the first token.</param>
    /// <param name="taskName">The task name, for error messages.</param>
    public static void ReadStartObject(ref Utf8JsonReader reader, string taskName)
    {
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new TaskArgumentException(taskName, null, "The message body is not a JSON object of named arguments.");
            }
        }
        catch (JsonException ex)
        {
            throw new TaskArgumentException(taskName, null, "The message body is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>Moves to the next property name. Returns <see langword="false"/> at the closing <c>}</c>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="taskName">The task name, for error messages.</param>
    /// <returns><see langword="true"/> when the reader is on a property name.</returns>
    public static bool ReadNextProperty(ref Utf8JsonReader reader, string taskName)
    {
        try
        {
            if (!reader.Read())
            {
                throw new TaskArgumentException(taskName, null, "The arguments object is truncated.");
            }

            return reader.TokenType switch
            {
                JsonTokenType.EndObject => false,
                JsonTokenType.PropertyName => true,
                _ => throw new TaskArgumentException(taskName, null, $"Unexpected JSON token {reader.TokenType} in the arguments object."),
            };
        }
        catch (JsonException ex)
        {
            throw new TaskArgumentException(taskName, null, "The message body is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>Reads the value of the current property with source-generated metadata.</summary>
    /// <typeparam name="T">The parameter type.</typeparam>
    /// <param name="reader">The reader, on the property name.</param>
    /// <param name="typeInfo">Source-generated JSON metadata of <typeparamref name="T"/>.</param>
    /// <param name="taskName">The task name, for error messages.</param>
    /// <param name="parameterName">The parameter name, for error messages.</param>
    /// <returns>The value.</returns>
    public static T ReadValue<T>(ref Utf8JsonReader reader, JsonTypeInfo<T> typeInfo, string taskName, string parameterName)
    {
        try
        {
            reader.Read();
            return JsonSerializer.Deserialize(ref reader, typeInfo)!;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new TaskArgumentException(taskName, parameterName, $"The value cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Skips the value of the current property (an argument this version of the task does not know).</summary>
    /// <param name="reader">The reader, on the property name.</param>
    /// <param name="taskName">The task name, for error messages.</param>
    public static void SkipValue(ref Utf8JsonReader reader, string taskName)
    {
        try
        {
            reader.Read();
            reader.Skip();
        }
        catch (JsonException ex)
        {
            throw new TaskArgumentException(taskName, null, "The message body is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>Creates the exception to throw for a required argument that the message lacks.</summary>
    /// <param name="taskName">The task name.</param>
    /// <param name="parameterName">The parameter name.</param>
    /// <returns>The exception; generated code throws it.</returns>
    public static TaskArgumentException MissingArgument(string taskName, string parameterName)
        => new(taskName, parameterName, "The message has no value for this parameter, and the parameter has no default value.");
}
