using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0009: <c>RetryBackoff</c> shapes the delay between automatic retries and <c>AutoRetryFor</c> chooses
/// which exceptions cause one, but with <c>MaxRetries = 0</c> no retry ever happens, so both are dead settings
/// and usually mean that one of the two was meant differently.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskRetryOptionsNeedRetriesAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.RetryOptionsNeedRetries);

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
        if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is not { } attribute)
        {
            return;
        }

        // MaxRetries defaults to 3, so only an explicit 0 turns retries off.
        var neverRetries = false;
        var ineffective = new List<string>(2);
        foreach (var argument in attribute.NamedArguments)
        {
            switch (argument.Key)
            {
                case "MaxRetries" when argument.Value.Value is 0:
                    neverRetries = true;
                    break;
                case "RetryBackoff" when argument.Value.Value is true:
                case "AutoRetryFor" when argument.Value.Kind == TypedConstantKind.Array && !argument.Value.IsNull:
                    ineffective.Add(argument.Key);
                    break;
            }
        }

        if (!neverRetries
            || ineffective.Count == 0
            || TaskSymbols.GetNamedArgumentSyntax(attribute, "MaxRetries", context.CancellationToken) is not { } maxRetries)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.RetryOptionsNeedRetries,
            maxRetries.Expression.GetLocation(),
            method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            string.Join(" and ", ineffective)));
    }
}
