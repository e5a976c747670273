using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TypedTasks.Generator.Model;
using TypedTasks.Semantics;

namespace TypedTasks.Generator.Parsing;

/// <summary>Turns one <c>[Task]</c> method into a <see cref="TaskModel"/>, or nothing when it cannot be emitted.</summary>
internal static class TaskParser
{
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    // How the task catalog shows a type: as C# writes it in the method, without namespaces (int, string?, List<Order>).
    private static readonly SymbolDisplayFormat DisplayFormat = SymbolDisplayFormat.MinimallyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return ParseCore(context, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Never fail the user's build from here: a method we cannot understand gets no proxy.
            return Skip();
        }
    }

    private static ParseResult ParseCore(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return Skip();
        }

        // Structural problems are the analyzer's to report (TT0001–TT0007); the generator only skips.
        if (!IsEmittable(method))
        {
            return Skip();
        }

        var containingType = method.ContainingType;
        var compilation = context.SemanticModel.Compilation;
        var attribute = context.Attributes[0];
        string? name = null;
        string? queue = null;
        bool ignoreResult = false, trackStarted = false;
        foreach (var argument in attribute.NamedArguments)
        {
            switch (argument.Key)
            {
                case "Name":
                    name = argument.Value.Value as string;
                    break;
                case "Queue":
                    queue = argument.Value.Value as string;
                    break;
                case "IgnoreResult":
                    ignoreResult = argument.Value.Value is true;
                    break;
                case "TrackStarted":
                    trackStarted = argument.Value.Value is true;
                    break;
            }
        }

        // Unusable retry, time-limit, expiry or rate-limit values are the analyzer's to report (TT0008); the generator only skips.
        var lifecycle = LifecycleParser.Parse(attribute, compilation);
        if (lifecycle is null)
        {
            return Skip();
        }

        var ns = containingType.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        var containingTypes = new List<INamedTypeSymbol>();
        for (var t = containingType; t is not null; t = t.ContainingType)
        {
            containingTypes.Insert(0, t);
        }

        name = TaskNames.Resolve(name, ns, containingTypes.Select(t => t.Name), method.Name);

        var jsonTypes = new JsonTypeParser(compilation, cancellationToken);
        var serializability = new Serializability(compilation);
        var services = new ServiceTypes(compilation);
        var hasServiceArgument = false;
        var diagnostics = new List<DiagnosticInfo>();
        var cancellationTokenType = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        var taskContextType = compilation.GetTypeByMetadataName("TypedTasks.TaskContext");

        var parameters = new List<ParameterModel>();
        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var parameter = method.Parameters[i];
            var typeName = parameter.Type.ToDisplayString(TypeFormat);
            var jsonTypeName = JsonTypeParser.Key(parameter.Type);
            if (SymbolEqualityComparer.Default.Equals(parameter.Type, cancellationTokenType))
            {
                parameters.Add(new ParameterModel(ParameterKind.CancellationToken, parameter.Name, typeName, jsonTypeName, null));
                continue;
            }

            if (taskContextType is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, taskContextType))
            {
                parameters.Add(new ParameterModel(ParameterKind.Context, parameter.Name, typeName, jsonTypeName, null));
                continue;
            }

            if (parameter.GetAttributes().Any(a => IsFromServices(a.AttributeClass)))
            {
                parameters.Add(new ParameterModel(ParameterKind.Service, parameter.Name, typeName, jsonTypeName, null));
                continue;
            }

            // A service is TT0102's to report (mark it [FromServices]); a proxy cannot be emitted, and TT0101's advice would be wrong.
            if (services.IsService(parameter.Type))
            {
                hasServiceArgument = true;
                continue;
            }

            // What can never travel is decided once, for the analyzer (TT0104) and here, in the same words.
            var error = serializability.Find(parameter.Type, cancellationToken).Problem ?? jsonTypes.TryAdd(parameter.Type);
            if (error is not null)
            {
                var location = i < syntax.ParameterList.Parameters.Count && syntax.ParameterList.Parameters[i].Type is { } typeSyntax
                    ? typeSyntax.GetLocation()
                    : syntax.Identifier.GetLocation();
                diagnostics.Add(Unsupported(location, parameter.Type, $"parameter '{parameter.Name}' of task '{name}'", error));
                continue;
            }

            string? defaultValue = null;
            if (parameter.HasExplicitDefaultValue)
            {
                defaultValue = Literals.Constant(parameter.Type, parameter.ExplicitDefaultValue, jsonTypeName);
                if (defaultValue is null)
                {
                    return Skip();
                }
            }

            var refusesNull = RefusesNull(parameter);
            parameters.Add(new ParameterModel(
                ParameterKind.Argument,
                parameter.Name,
                typeName,
                jsonTypeName,
                defaultValue,
                refusesNull,
                jsonTypes.ArgumentKind(parameter.Type),
                parameter.Type.ToDisplayString(DisplayFormat),
                !refusesNull && JsonTypeParser.AcceptsNull(parameter.Type)));
        }

        var (returnKind, resultType) = GetReturnKind(method, compilation);
        string? resultTypeName = null, resultJsonTypeName = null;
        if (resultType is not null)
        {
            resultTypeName = resultType.ToDisplayString(TypeFormat);
            resultJsonTypeName = JsonTypeParser.Key(resultType);

            // An ignored result is never serialized, so its type needs no metadata.
            if (!ignoreResult)
            {
                var error = serializability.Find(resultType, cancellationToken).Problem ?? jsonTypes.TryAdd(resultType);
                if (error is not null)
                {
                    diagnostics.Add(Unsupported(syntax.ReturnType.GetLocation(), resultType, $"the result of task '{name}'", error));
                }
            }
        }

        if (diagnostics.Count > 0)
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        if (hasServiceArgument)
        {
            return Skip();
        }

        var model = new TaskModel(
            name,
            Literals.Identifier(method.Name),
            ns,
            containingType.ToDisplayString(TypeFormat),
            containingTypes.Select(t => new ContainingTypeModel(Keyword(t), Literals.Identifier(t.Name))).ToEquatableArray(),
            IsPublic(containingType) && method.Parameters.Where((p, i) => parameters[i].Kind == ParameterKind.Argument).All(p => IsPublic(p.Type)) && (resultType is null || ignoreResult || IsPublic(resultType)),
            method.IsStatic,
            returnKind,
            resultTypeName,
            resultJsonTypeName,
            TaskNames.ResolveQueue(queue) is var resolvedQueue && resolvedQueue == TaskNames.DefaultQueue ? null : resolvedQueue,
            ignoreResult,
            trackStarted,
            lifecycle,
            parameters.ToEquatableArray(),
            jsonTypes.Specs.OrderBy(s => s.FullName, System.StringComparer.Ordinal).ToEquatableArray(),
            PeriodicParser.Parse(method, name, parameters),
            resultType?.ToDisplayString(DisplayFormat));
        return new ParseResult(model, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>Whether a type can appear in a public signature: public, and so are its containers, elements and type arguments.</summary>
    private static bool IsPublic(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => IsPublic(array.ElementType),
        INamedTypeSymbol named => (named.ContainingType is null || IsPublic(named.ContainingType))
            && named.DeclaredAccessibility == Accessibility.Public
            && named.TypeArguments.All(IsPublic),
        _ => true,
    };

    private static ParseResult Skip() => new(null, EquatableArray<DiagnosticInfo>.Empty);

    private static DiagnosticInfo Unsupported(Location location, ITypeSymbol type, string what, string reason)
        => new(Descriptors.UnsupportedType.Id, LocationInfo.From(location), new[] { type.ToDisplayString(), what, reason }.ToEquatableArray());

    /// <summary>
    /// Whether the worker refuses a JSON <c>null</c> for the parameter: a reference type the user's code declares not
    /// nullable (issue 14). Oblivious (<c>#nullable disable</c>) and <c>[AllowNull]</c> allow null; value types are left to
    /// System.Text.Json, which refuses null for them unless they are <c>Nullable&lt;T&gt;</c> or read null themselves
    /// (<c>JsonElement</c>).
    /// </summary>
    private static bool RefusesNull(IParameterSymbol parameter)
        => parameter.Type.IsReferenceType
            && parameter.NullableAnnotation == NullableAnnotation.NotAnnotated
            && !parameter.GetAttributes().Any(a => a.AttributeClass is { Name: "AllowNullAttribute" } attribute
                && attribute.ContainingNamespace.ToDisplayString() == "System.Diagnostics.CodeAnalysis");

    private static bool IsFromServices(INamedTypeSymbol? attribute)
        => attribute is { Name: "FromServicesAttribute" }
            && attribute.ContainingNamespace.ToDisplayString() is "TypedTasks" or "Microsoft.AspNetCore.Mvc";

    private static bool IsEmittable(IMethodSymbol method)
    {
        if (method.IsGenericMethod || method.MethodKind != MethodKind.Ordinary || method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            return false;
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            return false;
        }

        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None || parameter.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
            {
                return false;
            }
        }

        var type = method.ContainingType;
        if (!method.IsStatic && (type.TypeKind != TypeKind.Class || type.IsAbstract))
        {
            return false; // Instance tasks need a class the worker can create from DI.
        }

        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.TypeKind is not (TypeKind.Class or TypeKind.Struct) || t.IsGenericType || !IsPartial(t)
                || t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPartial(INamedTypeSymbol type)
        => type.DeclaringSyntaxReferences.Length > 0 && type.DeclaringSyntaxReferences.All(r =>
            r.GetSyntax() is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        _ => "class",
    };

    private static (ReturnKind Kind, ITypeSymbol? Result) GetReturnKind(IMethodSymbol method, Compilation compilation)
    {
        if (method.ReturnsVoid)
        {
            return (ReturnKind.Void, null);
        }

        var returnType = method.ReturnType;
        if (returnType is INamedTypeSymbol named)
        {
            var definition = named.OriginalDefinition;
            if (Is(definition, compilation, "System.Threading.Tasks.Task"))
            {
                return (ReturnKind.Task, null);
            }

            if (Is(definition, compilation, "System.Threading.Tasks.ValueTask"))
            {
                return (ReturnKind.ValueTask, null);
            }

            if (Is(definition, compilation, "System.Threading.Tasks.Task`1"))
            {
                return (ReturnKind.TaskOfT, named.TypeArguments[0]);
            }

            if (Is(definition, compilation, "System.Threading.Tasks.ValueTask`1"))
            {
                return (ReturnKind.ValueTaskOfT, named.TypeArguments[0]);
            }
        }

        return (ReturnKind.Value, returnType);
    }

    private static bool Is(INamedTypeSymbol type, Compilation compilation, string metadataName)
        => SymbolEqualityComparer.Default.Equals(type, compilation.GetTypeByMetadataName(metadataName));
}
