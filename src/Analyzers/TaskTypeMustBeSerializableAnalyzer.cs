using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0104: a task argument or result whose type can never round-trip through JSON (a delegate, a
/// stream, a ref struct, a Task…), directly or in a type argument, array element or public property
/// of the application's own types. Only "never" is reported, as in xunit.analyzers'
/// SerializabilityAnalyzer: interfaces and abstract types may have serializable implementations.
/// The generator's TT0101 says the same without the member path; this is the precise version.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskTypeMustBeSerializableAnalyzer : DiagnosticAnalyzer
{
    /// <summary>How many properties deep into the application's types the walk goes.</summary>
    private const int MaxMemberDepth = 4;

    private static readonly (string MetadataName, string Reason)[] NeverSerializableBases =
    [
        ("System.Linq.Expressions.Expression", "an expression tree"),
        ("System.Threading.Tasks.Task", "a Task, a running operation rather than a value"),
        ("System.Threading.Tasks.ValueTask", "a ValueTask, a running operation rather than a value"),
        ("System.Threading.Tasks.ValueTask`1", "a ValueTask, a running operation rather than a value"),
        ("System.IO.Stream", "a stream, readable once and only in this process"),
        ("System.Threading.CancellationTokenSource", "a CancellationTokenSource, which exists only in this process"),
        ("System.Type", "reflection metadata"),
        ("System.Reflection.MemberInfo", "reflection metadata"),
    ];

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TypeMustBeSerializable);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var taskAttribute = compilation.GetTypeByMetadataName(TaskSymbols.TaskAttributeMetadataName);
            if (taskAttribute is null)
            {
                return;
            }

            var known = new Symbols(
                compilation.GetTypeByMetadataName(TaskSymbols.FromServicesAttributeMetadataName),
                compilation.GetTypeByMetadataName("System.Threading.CancellationToken"),
                compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1"),
                compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1"),
                compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonIgnoreAttribute"),
                NeverSerializableBases
                    .Select(entry => (Type: compilation.GetTypeByMetadataName(entry.MetadataName), entry.Reason))
                    .Where(entry => entry.Type is not null)
                    .Select(entry => (entry.Type!, entry.Reason))
                    .ToImmutableArray());

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, taskAttribute, known), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol taskAttribute, Symbols known)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is null)
        {
            return;
        }

        var methodName = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        foreach (var parameter in method.Parameters)
        {
            // Pointers and params spans are TT0003's: one problem, one report.
            if (!TaskSymbols.IsTaskArgument(parameter, known.FromServices, known.CancellationToken)
                || parameter.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer
                || (parameter.IsParams && parameter.Type.IsRefLikeType)
                || Find(parameter.Type, known, context.CancellationToken) is not { } problem)
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.TypeMustBeSerializable,
                TaskSymbols.GetParameterLocation(parameter, context.CancellationToken),
                $"Parameter '{parameter.Name}'",
                methodName,
                problem));
        }

        if (GetResultType(method, known) is { } result
            && Find(result, known, context.CancellationToken) is { } resultProblem)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.TypeMustBeSerializable,
                GetReturnTypeLocation(method, context.CancellationToken),
                "The result",
                methodName,
                resultProblem));
        }
    }

    /// <summary>The task's result: the return type, unwrapping <c>Task&lt;T&gt;</c> and <c>ValueTask&lt;T&gt;</c>; none for void, Task, ValueTask.</summary>
    private static ITypeSymbol? GetResultType(IMethodSymbol method, Symbols known)
    {
        if (method.ReturnsVoid)
        {
            return null;
        }

        var type = method.ReturnType;
        if (type is INamedTypeSymbol { TypeArguments.Length: 1 } generic
            && (SymbolEqualityComparer.Default.Equals(generic.OriginalDefinition, known.TaskOfT)
                || SymbolEqualityComparer.Default.Equals(generic.OriginalDefinition, known.ValueTaskOfT)))
        {
            return generic.TypeArguments[0];
        }

        return type.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks" && type.Name is "Task" or "ValueTask"
            ? null
            : type;
    }

    private static Location GetReturnTypeLocation(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax(cancellationToken))
            {
                case MethodDeclarationSyntax declaration:
                    return declaration.ReturnType.GetLocation();
                case LocalFunctionStatementSyntax localFunction:
                    return localFunction.ReturnType.GetLocation();
            }
        }

        return TaskSymbols.GetIdentifierLocation(method);
    }

    /// <summary>The first part of <paramref name="root"/> that can never be serialized, as "path: type is reason", or <see langword="null"/>.</summary>
    private static string? Find(ITypeSymbol root, Symbols known, CancellationToken cancellationToken)
    {
        var rootName = Display(root);
        var onPath = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        return Walk(root, rootName, depth: 0, topLevel: true);

        string? Walk(ITypeSymbol type, string path, int depth, bool topLevel)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Classify(type, known, topLevel) is { } reason)
            {
                var culprit = Display(type);
                return (path == culprit ? culprit : path + ": " + culprit) + " is " + reason;
            }

            if (!onPath.Add(type))
            {
                return null;
            }

            try
            {
                switch (type)
                {
                    case IArrayTypeSymbol array:
                        // `object[]` or `dynamic[]` is as untyped as `object`.
                        return Walk(array.ElementType, path, depth, topLevel);
                    case INamedTypeSymbol named:
                        foreach (var argument in named.TypeArguments)
                        {
                            if (Walk(argument, path, depth, topLevel: topLevel && IsCollection(named)) is { } found)
                            {
                                return found;
                            }
                        }

                        if (depth < MaxMemberDepth && IsApplicationType(named))
                        {
                            foreach (var property in GetSerializedProperties(named, known))
                            {
                                if (Walk(property.Type, path + "." + property.Name, depth + 1, topLevel: false) is { } found)
                                {
                                    return found;
                                }
                            }
                        }

                        break;
                }

                return null;
            }
            finally
            {
                onPath.Remove(type);
            }
        }
    }

    /// <summary>Why <paramref name="type"/> itself can never be serialized, or <see langword="null"/>.</summary>
    private static string? Classify(ITypeSymbol type, Symbols known, bool topLevel)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Delegate:
                return "a delegate, code rather than data";
            case TypeKind.Pointer or TypeKind.FunctionPointer:
                return "a pointer into this process's memory";
            case TypeKind.Dynamic when topLevel:
                return "untyped, so the worker cannot tell what to rebuild";
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return "a native handle or address";
        }

        // Inside an application type, System.Text.Json writes an object property by its runtime type: allowed.
        if (type.SpecialType == SpecialType.System_Object && topLevel)
        {
            return "untyped, so the worker cannot tell what to rebuild";
        }

        if (type.IsRefLikeType)
        {
            return "a ref struct, which cannot leave the stack";
        }

        foreach (var (baseType, reason) in known.NeverSerializable)
        {
            if (TaskSymbols.IsOrDerivesFrom(type, baseType))
            {
                return reason;
            }
        }

        return null;
    }

    /// <summary>Public instance properties with a getter that System.Text.Json would write, skipping [JsonIgnore].</summary>
    private static IEnumerable<IPropertySymbol> GetSerializedProperties(INamedTypeSymbol type, Symbols known)
    {
        var seen = new HashSet<string>();
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var property in current.GetMembers().OfType<IPropertySymbol>())
            {
                if (property is { IsStatic: false, IsIndexer: false, GetMethod: not null, DeclaredAccessibility: Accessibility.Public }
                    && seen.Add(property.Name)
                    && (known.JsonIgnore is null
                        || !property.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, known.JsonIgnore))))
                {
                    yield return property;
                }
            }
        }
    }

    /// <summary>Classes and structs of the application, whose properties are walked; framework types are judged by name.</summary>
    private static bool IsApplicationType(INamedTypeSymbol type)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || type.SpecialType != SpecialType.None)
        {
            return false;
        }

        var ns = type.ContainingNamespace;
        while (ns is { ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }

        return ns is null || ns.IsGlobalNamespace || ns.Name is not ("System" or "Microsoft");
    }

    /// <summary>Arrays' and collections' elements count as top level: <c>List&lt;object&gt;</c> is as untyped as <c>object</c>.</summary>
    private static bool IsCollection(INamedTypeSymbol type)
        => type.AllInterfaces.Any(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            || type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T
            || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

    /// <summary>The type as C# spells it, without a nullable annotation (<c>Stream</c>, not <c>Stream?</c>).</summary>
    private static string Display(ITypeSymbol type)
        => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    private sealed class Symbols(
        INamedTypeSymbol? fromServices,
        INamedTypeSymbol? cancellationToken,
        INamedTypeSymbol? taskOfT,
        INamedTypeSymbol? valueTaskOfT,
        INamedTypeSymbol? jsonIgnore,
        ImmutableArray<(INamedTypeSymbol Type, string Reason)> neverSerializable)
    {
        public INamedTypeSymbol? FromServices { get; } = fromServices;

        public INamedTypeSymbol? CancellationToken { get; } = cancellationToken;

        public INamedTypeSymbol? TaskOfT { get; } = taskOfT;

        public INamedTypeSymbol? ValueTaskOfT { get; } = valueTaskOfT;

        public INamedTypeSymbol? JsonIgnore { get; } = jsonIgnore;

        public ImmutableArray<(INamedTypeSymbol Type, string Reason)> NeverSerializable { get; } = neverSerializable;
    }
}
