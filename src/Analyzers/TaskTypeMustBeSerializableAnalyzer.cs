using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0104: a task argument or result whose type can never round-trip through JSON (a delegate, a
/// stream, a ref struct, a Task…), directly or in a type argument, array element or public property
/// of the application's own types. Also, for the application's own types in a data position (the
/// argument or result itself, a property, an array or collection element): an interface or abstract
/// class without <c>[JsonDerivedType]</c>, and a class without a constructor System.Text.Json can use.
/// The rules and the member paths are <see cref="Serializability"/>'s, shared with the generator (TT0101). A
/// parameter that is a service is TT0102's alone (<see cref="ServiceTypes"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskTypeMustBeSerializableAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TypeMustBeSerializable, Descriptors.TypeMustNotHaveBackReference);

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
                new Serializability(compilation),
                new ServiceTypes(compilation));

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, taskAttribute, known), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol taskAttribute, Symbols known)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is not { } attribute)
        {
            return;
        }

        var methodName = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        foreach (var parameter in method.Parameters)
        {
            // Pointers and params spans are TT0003's, services TT0102's: one problem, one report.
            if (!TaskSymbols.IsTaskArgument(parameter, known.FromServices, known.CancellationToken)
                || parameter.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer
                || (parameter.IsParams && parameter.Type.IsRefLikeType)
                || known.Services.IsService(parameter.Type))
            {
                continue;
            }

            var finding = known.Serializability.Find(parameter.Type, context.CancellationToken);
            if (finding.Problem is null && finding.BackReference is null)
            {
                continue;
            }

            var location = TaskSymbols.GetParameterLocation(parameter, context.CancellationToken);
            Report(context, location, $"Parameter '{parameter.Name}'", methodName, finding);
        }

        // As in the generator: the result of an IgnoreResult task is never serialized.
        if (!IgnoresResult(attribute) && GetResultType(method, known) is { } result)
        {
            var finding = known.Serializability.Find(result, context.CancellationToken);
            if (finding.Problem is not null || finding.BackReference is not null)
            {
                Report(context, GetReturnTypeLocation(method, context.CancellationToken), "The result", methodName, finding);
            }
        }
    }

    private static void Report(
        SymbolAnalysisContext context,
        Location location,
        string subject,
        string methodName,
        SerializabilityFinding finding)
    {
        if (finding.Problem is { } problem)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.TypeMustBeSerializable, location, subject, methodName, problem));
        }

        if (finding.BackReference is { } backReference)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.TypeMustNotHaveBackReference,
                location,
                backReference.Path,
                backReference.Target,
                backReference.Example));
        }
    }

    private static bool IgnoresResult(AttributeData attribute)
        => attribute.NamedArguments.Any(argument => argument is { Key: "IgnoreResult", Value.Value: true });

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

    private sealed class Symbols(
        INamedTypeSymbol? fromServices,
        INamedTypeSymbol? cancellationToken,
        INamedTypeSymbol? taskOfT,
        INamedTypeSymbol? valueTaskOfT,
        Serializability serializability,
        ServiceTypes services)
    {
        public INamedTypeSymbol? FromServices { get; } = fromServices;

        public INamedTypeSymbol? CancellationToken { get; } = cancellationToken;

        public INamedTypeSymbol? TaskOfT { get; } = taskOfT;

        public INamedTypeSymbol? ValueTaskOfT { get; } = valueTaskOfT;

        public Serializability Serializability { get; } = serializability;

        public ServiceTypes Services { get; } = services;
    }
}
