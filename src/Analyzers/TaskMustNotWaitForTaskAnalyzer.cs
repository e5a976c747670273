using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0202: a task that waits for another task's result holds its worker slot while the other task
/// sits in the queue, perhaps behind it; when every slot does this the worker deadlocks. Celery
/// forbids the same ("Never call result.get() within a task",
/// https://docs.celeryq.dev/en/stable/userguide/tasks.html#avoid-launching-synchronous-subtasks).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskMustNotWaitForTaskAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TaskMustNotWaitForTask);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var taskAttribute = start.Compilation.GetTypeByMetadataName(TaskSymbols.TaskAttributeMetadataName);
            var handle = start.Compilation.GetTypeByMetadataName("TypedTasks.TaskHandle");
            if (taskAttribute is null || handle is null)
            {
                return;
            }

            start.RegisterOperationAction(
                operationContext => Analyze(operationContext, taskAttribute, handle),
                OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol taskAttribute, INamedTypeSymbol handle)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;

        // TaskHandle.WaitAsync and TaskHandle<T>.GetAsync; TaskHandle<T> derives from TaskHandle.
        if (method.Name is not ("GetAsync" or "WaitAsync")
            || method.IsStatic
            || !TaskSymbols.IsOrDerivesFrom(method.ContainingType, handle)
            || GetEnclosingTask(context.ContainingSymbol, taskAttribute) is not { } task)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.TaskMustNotWaitForTask,
            invocation.Syntax.GetLocation(),
            task.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            method.Name));
    }

    /// <summary>The <c>[Task]</c> method whose body holds <paramref name="symbol"/>, looking out of lambdas and local functions.</summary>
    private static IMethodSymbol? GetEnclosingTask(ISymbol? symbol, INamedTypeSymbol taskAttribute)
    {
        for (var current = symbol; current is IMethodSymbol method; current = current.ContainingSymbol)
        {
            if (method.MethodKind is MethodKind.LambdaMethod or MethodKind.LocalFunction)
            {
                continue;
            }

            return TaskSymbols.GetTaskAttribute(method, taskAttribute) is null ? null : method;
        }

        return null;
    }
}
