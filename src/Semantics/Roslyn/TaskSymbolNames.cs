using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace TypedTasks.Semantics;

/// <summary><see cref="TaskNames"/> applied to a <c>[Task]</c> method symbol, for the generator and the analyzers.</summary>
internal static class TaskSymbolNames
{
    /// <summary>The task's name: its <c>Name</c>, or the default name of <paramref name="method"/>.</summary>
    public static string GetName(IMethodSymbol method, AttributeData attribute)
        => TaskNames.Resolve(GetNamedString(attribute, "Name"), GetNamespace(method), GetContainingTypeNames(method), method.Name);

    /// <summary>The name the generator gives <paramref name="method"/> when its <c>[Task]</c> has no <c>Name</c>.</summary>
    public static string GetDefaultName(IMethodSymbol method)
        => TaskNames.Default(GetNamespace(method), GetContainingTypeNames(method), method.Name);

    /// <summary>The queue the task is sent to: its <c>Queue</c>, or <see cref="TaskNames.DefaultQueue"/>.</summary>
    public static string GetQueue(AttributeData attribute) => TaskNames.ResolveQueue(GetNamedString(attribute, "Queue"));

    /// <summary>The string value of the named argument <paramref name="name"/>, or <see langword="null"/>.</summary>
    public static string? GetNamedString(AttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            // Array-valued arguments (AutoRetryFor) throw on Value: compare the key first.
            if (argument.Key == name)
            {
                return argument.Value.Kind == TypedConstantKind.Primitive ? argument.Value.Value as string : null;
            }
        }

        return null;
    }

    private static string? GetNamespace(IMethodSymbol method)
        => method.ContainingType?.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null;

    /// <summary>The names of the types containing <paramref name="method"/>, outermost first.</summary>
    private static List<string> GetContainingTypeNames(IMethodSymbol method)
    {
        var names = new List<string>();
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            names.Insert(0, type.Name);
        }

        return names;
    }
}
