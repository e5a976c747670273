using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0004: an <c>async void</c> task returns to the worker at its first <c>await</c>; the worker would
/// acknowledge the message and record success while the work still runs, and its exception would crash the process.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskMustNotBeAsyncVoidAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TaskMustNotBeAsyncVoid);

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
        if (!method.IsAsync || !method.ReturnsVoid || TaskSymbols.GetTaskAttribute(method, taskAttribute) is null)
        {
            return;
        }

        var location = TaskSymbols.GetIdentifierLocation(method);
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(context.CancellationToken) is MethodDeclarationSyntax declaration)
            {
                foreach (var modifier in declaration.Modifiers)
                {
                    if (modifier.IsKind(SyntaxKind.AsyncKeyword))
                    {
                        location = modifier.GetLocation();
                    }
                }
            }
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.TaskMustNotBeAsyncVoid,
            location,
            method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)));
    }
}
