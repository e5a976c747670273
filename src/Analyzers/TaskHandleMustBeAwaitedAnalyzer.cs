using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0201: <c>DelayAsync</c>/<c>ApplyAsync</c> on a generated proxy return <c>ValueTask&lt;TaskHandle&gt;</c>;
/// the publish completes only when the broker acknowledges it, so dropping the ValueTask drops the
/// only signal that the task was actually queued (and a ValueTask must be consumed exactly once).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskHandleMustBeAwaitedAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.HandleMustBeAwaited);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var valueTaskOfT = start.Compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
            var handle = start.Compilation.GetTypeByMetadataName("TypedTasks.TaskHandle");
            var handleOfT = start.Compilation.GetTypeByMetadataName("TypedTasks.TaskHandle`1");
            if (valueTaskOfT is null || handle is null || handleOfT is null)
            {
                return;
            }

            start.RegisterOperationAction(
                operationContext => Analyze(operationContext, valueTaskOfT, handle, handleOfT),
                OperationKind.Invocation);
        });
    }

    private static void Analyze(
        OperationAnalysisContext context,
        INamedTypeSymbol valueTaskOfT,
        INamedTypeSymbol handle,
        INamedTypeSymbol handleOfT)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name is not ("DelayAsync" or "ApplyAsync")
            || !ReturnsHandle(method, valueTaskOfT, handle, handleOfT)
            || !IsDiscarded(invocation))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.HandleMustBeAwaited,
            invocation.Syntax.GetLocation(),
            method.ContainingType.Name + "." + method.Name));
    }

    private static bool ReturnsHandle(
        IMethodSymbol method,
        INamedTypeSymbol valueTaskOfT,
        INamedTypeSymbol handle,
        INamedTypeSymbol handleOfT)
    {
        if (method.ReturnType is not INamedTypeSymbol { TypeArguments.Length: 1 } returnType
            || !SymbolEqualityComparer.Default.Equals(returnType.OriginalDefinition, valueTaskOfT))
        {
            return false;
        }

        var result = returnType.TypeArguments[0].OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(result, handle)
            || SymbolEqualityComparer.Default.Equals(result, handleOfT);
    }

    /// <summary><c>proxy.DelayAsync(…);</c> or <c>_ = proxy.DelayAsync(…);</c>.</summary>
    private static bool IsDiscarded(IInvocationOperation invocation) => invocation.Parent switch
    {
        IExpressionStatementOperation => true,
        ISimpleAssignmentOperation { Target: IDiscardOperation } assignment => assignment.Parent is IExpressionStatementOperation,
        _ => false,
    };
}
