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

    /// <summary>
    /// Reads the value of the current property for a parameter that is not nullable in the task's code (a reference type
    /// without <c>?</c> in a nullable-enabled context): a JSON <c>null</c>, or a converter that yields null, is refused
    /// (issue 14: <c>{"id":null}</c> must not run <c>Work(string id)</c>).
    /// </summary>
    /// <typeparam name="T">The parameter type.</typeparam>
    /// <param name="reader">The reader, on the property name.</param>
    /// <param name="typeInfo">Source-generated JSON metadata of <typeparamref name="T"/>.</param>
    /// <param name="taskName">The task name, for error messages.</param>
    /// <param name="parameterName">The parameter name, for error messages.</param>
    /// <returns>The value, never null.</returns>
    public static T ReadNonNullValue<T>(ref Utf8JsonReader reader, JsonTypeInfo<T> typeInfo, string taskName, string parameterName)
    {
        var value = ReadValue(ref reader, typeInfo, taskName, parameterName);
        return value is null ? throw NullArgument(taskName, parameterName) : value;
    }

    /// <summary>Checks that nothing but white space follows the arguments object (the reader is on its closing <c>}</c>).</summary>
    /// <param name="reader">The reader, on the closing <c>}</c> of the arguments object.</param>
    /// <param name="taskName">The task name, for error messages.</param>
    public static void ReadEnd(ref Utf8JsonReader reader, string taskName)
    {
        try
        {
            // The reader allows one top-level value: any byte but white space after it throws here.
            if (reader.Read())
            {
                throw new TaskArgumentException(taskName, null, "The message body has data after the arguments object.");
            }
        }
        catch (JsonException ex)
        {
            throw new TaskArgumentException(taskName, null, "The message body has data after the arguments object: " + ex.Message, ex);
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

    /// <summary>Creates the exception to throw for a JSON <c>null</c> given to a parameter that is not nullable.</summary>
    /// <param name="taskName">The task name.</param>
    /// <param name="parameterName">The parameter name.</param>
    /// <returns>The exception.</returns>
    public static TaskArgumentException NullArgument(string taskName, string parameterName)
        => new(taskName, parameterName, "null is not allowed: the parameter is not nullable in the task's code.");
}
