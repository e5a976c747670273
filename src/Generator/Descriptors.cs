using Microsoft.CodeAnalysis;

namespace TypedTasks.Generator;

/// <summary>The diagnostics the generator itself reports (TT01xx: serialization).</summary>
internal static class Descriptors
{
    public static readonly DiagnosticDescriptor UnsupportedType = Create(
        "TT0101",
        "Type cannot be serialized",
        "Type '{0}' of {1} cannot be serialized by TypedTasks: {2}. Use a supported type (primitives, enums, arrays, lists, dictionaries with string keys, classes, structs and records with public properties, or abstract classes and interfaces with [JsonDerivedType] attributes).",
        "TypedTasks.Serialization");

    private static DiagnosticDescriptor Create(string id, string title, string message, string category)
        => new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: $"https://github.com/typedtasks/typedtasks/blob/main/docs/diagnostics/{id}.md");
}
