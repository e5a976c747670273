using System.ComponentModel;

namespace TypedTasks.Generated;

/// <summary>
/// The JSON kind of a task argument's value, as the worker's generated reader accepts it (System.Text.Json's default
/// options): what a producer in another language must send, and what <c>tt send</c> checks (docs/protocol.md, the task
/// catalog).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum TaskArgumentKind
{
    /// <summary>A JSON string: text, <c>char</c>, dates and times, <c>Guid</c>, <c>TimeSpan</c>, <c>Uri</c>, <c>byte[]</c> (base64).</summary>
    String,

    /// <summary>A JSON number without a fraction or exponent: integral types and enums (System.Text.Json writes enums as numbers).</summary>
    Integer,

    /// <summary>A JSON number: <c>float</c>, <c>double</c>, <c>decimal</c>, <c>Half</c>.</summary>
    Number,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A JSON array: arrays and collections.</summary>
    Array,

    /// <summary>A JSON object: records, classes, structs, dictionaries with string keys.</summary>
    Object,

    /// <summary>Any JSON value (<c>JsonElement</c>).</summary>
    Any,
}

/// <summary>
/// One argument of a task as the wire carries it: the property of the arguments object, its JSON kind, the .NET type
/// (for display), and whether the worker requires it and takes <c>null</c> for it — what the generated reader enforces,
/// written by the generator next to it, so a catalog (<c>tt tasks</c>, the dashboard) says the same.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskArgumentInfo
{
    /// <summary>Creates the description. Used by generated code.</summary>
    /// <param name="name">The property name in the arguments object: the parameter's name, exactly.</param>
    /// <param name="kind">The JSON kind of its value.</param>
    /// <param name="typeName">The parameter's .NET type as C# writes it (<c>int</c>, <c>string?</c>, <c>List&lt;Order&gt;</c>).</param>
    /// <param name="isRequired">Whether a message must carry it (the parameter has no default value).</param>
    /// <param name="isNullable">Whether <c>null</c> is accepted for it.</param>
    public TaskArgumentInfo(string name, TaskArgumentKind kind, string typeName, bool isRequired, bool isNullable)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        Name = name;
        Kind = kind;
        TypeName = typeName;
        IsRequired = isRequired;
        IsNullable = isNullable;
    }

    /// <summary>The property name in the arguments object: the parameter's name, exactly.</summary>
    public string Name { get; }

    /// <summary>The JSON kind of its value.</summary>
    public TaskArgumentKind Kind { get; }

    /// <summary>The parameter's .NET type as C# writes it, for display.</summary>
    public string TypeName { get; }

    /// <summary>Whether a message must carry it: a missing required argument is a dead letter.</summary>
    public bool IsRequired { get; }

    /// <summary>Whether <c>null</c> is accepted: a nullable value type, a reference type declared nullable (or oblivious, or
    /// <c>[AllowNull]</c>), or <c>JsonElement</c>.</summary>
    public bool IsNullable { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {TypeName}";
}
