using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0002: a <c>[Task]</c> method cannot be generic nor sit in a generic type, because a task message
/// carries a name and JSON arguments, never type arguments.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskMustNotBeGenericAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TaskMustNotBeGeneric);

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

            start.RegisterSymbolAction(symbolContext => AnalyzeMethod(symbolContext, taskAttribute), SymbolKind.Method);
            // Generic containing types are reported once per type, not once per task inside them.
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, taskAttribute), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, INamedTypeSymbol taskAttribute)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!method.IsGenericMethod || TaskSymbols.GetTaskAttribute(method, taskAttribute) is null)
        {
            return;
        }

        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(context.CancellationToken) is MethodDeclarationSyntax { TypeParameterList: { } typeParameters })
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.TaskMustNotBeGeneric,
                    typeParameters.GetLocation(),
                    "Task",
                    method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)));
                return;
            }
        }
    }

    private static void AnalyzeType(SymbolAnalysisContext context, INamedTypeSymbol taskAttribute)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        // Own type parameters only: IsGenericType is also true for a type nested in a generic one,
        // which is reported on the outer type instead.
        if (type.TypeParameters.IsEmpty)
        {
            return;
        }

        var taskMethods = TaskSymbols.GetTaskMethods(type, taskAttribute);
        if (taskMethods.Count == 0)
        {
            return;
        }

        var declaration = TaskSymbols.GetReportedDeclaration(type, taskMethods, context.CancellationToken);
        var location = declaration?.TypeParameterList?.GetLocation() ?? declaration?.Identifier.GetLocation() ?? type.Locations[0];
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.TaskMustNotBeGeneric,
            location,
            "Type",
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)));
    }
}
