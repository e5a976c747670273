using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0003: task parameters are copied into a JSON message and read back on a worker, so nothing
/// that aliases the caller's memory can be one: by-reference parameters, pointers, params spans.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskParameterMustBeByValueAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.ParameterMustBeByValue);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var taskAttribute = start.Compilation.GetTypeByMetadataName(TaskSymbols.TaskAttributeMetadataName);
            if (taskAttribute is null)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, taskAttribute), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol taskAttribute)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is null)
        {
            return;
        }

        foreach (var parameter in method.Parameters)
        {
            if (Describe(parameter) is not { } problem)
            {
                continue;
            }

            var location = parameter.DeclaringSyntaxReferences.Length > 0
                ? parameter.DeclaringSyntaxReferences[0].GetSyntax(context.CancellationToken).GetLocation()
                : parameter.Locations[0];
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.ParameterMustBeByValue,
                location,
                parameter.Name,
                method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                problem));
        }
    }

    private static string? Describe(IParameterSymbol parameter)
    {
        switch (parameter.RefKind)
        {
            case RefKind.None:
                break;
            case RefKind.Ref:
                return "a ref parameter";
            case RefKind.Out:
                return "an out parameter";
            case RefKind.In:
                return "an in parameter";
            default:
                // RefKind.RefReadOnlyParameter (C# 12), named by value so this builds against Roslyn 4.8.
                return "a ref readonly parameter";
        }

        if (parameter.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return "a pointer";
        }

        if (parameter.IsParams && parameter.Type.IsRefLikeType)
        {
            return "a params span";
        }

        return null;
    }
}
