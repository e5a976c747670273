using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>TT0001: every type containing a <c>[Task]</c> method, however deeply nested, must be partial.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskTypeMustBePartialAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TypeMustBePartial);

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

            // A type action, not a method action: one diagnostic per type however many tasks it holds.
            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, taskAttribute), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol taskAttribute)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var taskMethods = TaskSymbols.GetTaskMethods(type, taskAttribute);
        if (taskMethods.Count == 0)
        {
            return;
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            // Every part of a partial type carries the modifier (else CS0260), so a part without it means a non-partial type.
            if (reference.GetSyntax(context.CancellationToken) is TypeDeclarationSyntax declaration
                && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.TypeMustBePartial,
                    declaration.Identifier.GetLocation(),
                    type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)));
                return;
            }
        }
    }
}
