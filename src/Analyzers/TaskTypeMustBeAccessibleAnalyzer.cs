using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0006: the generated dispatcher and client extensions live outside the task's type, so every
/// containing type must be visible to the whole assembly. The method's own accessibility does not
/// matter: the generated proxy is a nested member of the type and may call a private method.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskTypeMustBeAccessibleAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TypeMustBeAccessible);

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

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, taskAttribute), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol taskAttribute)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var accessibility = type.DeclaredAccessibility switch
        {
            Accessibility.Private => "private",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => null,
        };
        if (accessibility is null)
        {
            return;
        }

        var taskMethods = TaskSymbols.GetTaskMethods(type, taskAttribute);
        if (taskMethods.Count == 0)
        {
            return;
        }

        var declaration = TaskSymbols.GetReportedDeclaration(type, taskMethods, context.CancellationToken);
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.TypeMustBeAccessible,
            declaration?.Identifier.GetLocation() ?? type.Locations[0],
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            accessibility));
    }
}
