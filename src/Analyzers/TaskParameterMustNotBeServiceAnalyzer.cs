using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0102: a task argument whose type is a service (a logger, a DbContext, an HTTP client, a
/// repository…) is live state of the caller's process; it cannot be written to JSON and rebuilt on a
/// worker. Such parameters belong in <c>[FromServices]</c>, which the worker fills from its DI scope. What is a
/// service is <see cref="ServiceTypes"/>'s to say; this is the one diagnostic such a parameter gets.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskParameterMustNotBeServiceAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.ParameterMustNotBeService);

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

            var fromServices = compilation.GetTypeByMetadataName(TaskSymbols.FromServicesAttributeMetadataName);
            var cancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            var services = new ServiceTypes(compilation);

            start.RegisterSymbolAction(
                symbolContext => Analyze(symbolContext, taskAttribute, fromServices, cancellationToken, services),
                SymbolKind.Method);
        });
    }

    private static void Analyze(
        SymbolAnalysisContext context,
        INamedTypeSymbol taskAttribute,
        INamedTypeSymbol? fromServices,
        INamedTypeSymbol? cancellationToken,
        ServiceTypes services)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is null)
        {
            return;
        }

        foreach (var parameter in method.Parameters)
        {
            if (!TaskSymbols.IsTaskArgument(parameter, fromServices, cancellationToken)
                || services.Describe(parameter.Type) is not { } reason)
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.ParameterMustNotBeService,
                TaskSymbols.GetParameterLocation(parameter, context.CancellationToken),
                parameter.Name,
                method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                reason));
        }
    }
}
