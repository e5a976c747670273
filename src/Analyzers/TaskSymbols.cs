using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TypedTasks.Analyzers;

/// <summary>Symbol helpers shared by the declaration analyzers.</summary>
internal static class TaskSymbols
{
    public const string TaskAttributeMetadataName = "TypedTasks.TaskAttribute";
    public const string FromServicesAttributeMetadataName = "TypedTasks.FromServicesAttribute";

    /// <summary>The <c>[Task]</c> attribute data on <paramref name="method"/>, or <see langword="null"/>.</summary>
    public static AttributeData? GetTaskAttribute(IMethodSymbol method, INamedTypeSymbol taskAttribute)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, taskAttribute))
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>
    /// The syntax of the named argument <paramref name="name"/> (<c>Name = value</c>) of <paramref name="attribute"/>,
    /// or <see langword="null"/> when it is not written in source.
    /// </summary>
    public static AttributeArgumentSyntax? GetNamedArgumentSyntax(AttributeData attribute, string name, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } arguments })
        {
            foreach (var argument in arguments.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return argument;
                }
            }
        }

        return null;
    }

    /// <summary>The <c>[Task]</c> methods declared in <paramref name="type"/> or in any type nested in it.</summary>
    public static List<IMethodSymbol> GetTaskMethods(INamedTypeSymbol type, INamedTypeSymbol taskAttribute)
    {
        var methods = new List<IMethodSymbol>();
        Collect(type, taskAttribute, methods);
        return methods;

        static void Collect(INamedTypeSymbol type, INamedTypeSymbol taskAttribute, List<IMethodSymbol> methods)
        {
            foreach (var member in type.GetMembers())
            {
                if (member is IMethodSymbol method && GetTaskAttribute(method, taskAttribute) is not null)
                {
                    methods.Add(method);
                }
            }

            foreach (var nested in type.GetTypeMembers())
            {
                Collect(nested, taskAttribute, methods);
            }
        }
    }

    /// <summary>
    /// The declaration of <paramref name="type"/> to report on: for a partial type spread over several
    /// files, the part that declares one of <paramref name="taskMethods"/>, so the squiggle lands next to the task.
    /// </summary>
    public static TypeDeclarationSyntax? GetReportedDeclaration(
        INamedTypeSymbol type,
        IReadOnlyList<IMethodSymbol> taskMethods,
        CancellationToken cancellationToken)
    {
        TypeDeclarationSyntax? first = null;
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            first ??= declaration;
            var declaresTask = taskMethods
                .SelectMany(method => method.Locations)
                .Any(location => location.SourceTree == reference.SyntaxTree && reference.Span.Contains(location.SourceSpan));
            if (declaresTask)
            {
                return declaration;
            }
        }

        return first;
    }

    /// <summary>Where the declaration analyzers point for a method: its name.</summary>
    public static Location GetIdentifierLocation(IMethodSymbol method)
        => method.Locations.FirstOrDefault() ?? Location.None;

    /// <summary>
    /// Whether <paramref name="parameter"/> travels in the task message: not the worker's
    /// <see cref="System.Threading.CancellationToken"/>, not resolved from DI by <c>[FromServices]</c>.
    /// </summary>
    public static bool IsTaskArgument(IParameterSymbol parameter, INamedTypeSymbol? fromServices, INamedTypeSymbol? cancellationToken)
    {
        if (cancellationToken is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, cancellationToken))
        {
            return false;
        }

        return fromServices is null
            || !parameter.GetAttributes().Any(attribute => SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, fromServices));
    }

    /// <summary>Where the parameter analyzers point: the whole parameter declaration.</summary>
    public static Location GetParameterLocation(IParameterSymbol parameter, CancellationToken cancellationToken)
        => parameter.DeclaringSyntaxReferences.Length > 0
            ? parameter.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken).GetLocation()
            : parameter.Locations.FirstOrDefault() ?? Location.None;

    /// <summary>Whether <paramref name="type"/> is <paramref name="baseType"/> or derives from it.</summary>
    public static bool IsOrDerivesFrom(ITypeSymbol type, INamedTypeSymbol baseType)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="type"/> is the interface <paramref name="interfaceType"/> or implements it.</summary>
    public static bool IsOrImplements(ITypeSymbol type, INamedTypeSymbol interfaceType)
        => SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, interfaceType)
            || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, interfaceType));
}
