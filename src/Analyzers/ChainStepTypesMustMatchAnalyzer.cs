using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0203: <c>a.Then(b)</c> where <c>b</c>'s first parameter is not <c>a</c>'s result type. The compiler refuses it already
/// (CS1503), but in the words of the generic types (<c>PartialTaskCall&lt;string, int&gt;</c> to
/// <c>PartialTaskCall&lt;int, int&gt;</c>); this names the two types a reader has to make equal (issue 12).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ChainStepTypesMustMatchAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.ChainStepTypesMustMatch);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var call = start.Compilation.GetTypeByMetadataName("TypedTasks.TaskCall`1");
            var chain = start.Compilation.GetTypeByMetadataName("TypedTasks.TaskChain`1");
            var partial = start.Compilation.GetTypeByMetadataName("TypedTasks.PartialTaskCall`2");
            if (call is null || chain is null || partial is null)
            {
                return;
            }

            // A syntax action: the invocation does not bind (no IInvocationOperation), so its parts are read one by one.
            start.RegisterSyntaxNodeAction(node => Analyze(node, call, chain, partial), SyntaxKind.InvocationExpression);
        });
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, INamedTypeSymbol call, INamedTypeSymbol chain, INamedTypeSymbol partial)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (invocation.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Then" } access
            || invocation.ArgumentList.Arguments.Count != 1)
        {
            return;
        }

        var model = context.SemanticModel;
        if (model.GetTypeInfo(access.Expression, context.CancellationToken).Type is not INamedTypeSymbol { TypeArguments.Length: 1 } receiver
            || !(SymbolEqualityComparer.Default.Equals(receiver.OriginalDefinition, call) || SymbolEqualityComparer.Default.Equals(receiver.OriginalDefinition, chain)))
        {
            return;
        }

        var argument = invocation.ArgumentList.Arguments[0];
        if (model.GetTypeInfo(argument.Expression, context.CancellationToken).Type is not INamedTypeSymbol { TypeArguments.Length: 2 } step
            || !SymbolEqualityComparer.Default.Equals(step.OriginalDefinition, partial))
        {
            return;
        }

        var previous = receiver.TypeArguments[0];
        var takes = step.TypeArguments[0];
        if (previous.TypeKind == TypeKind.Error || takes.TypeKind == TypeKind.Error || SymbolEqualityComparer.Default.Equals(previous, takes))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.ChainStepTypesMustMatch,
            argument.GetLocation(),
            takes.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            previous.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)));
    }
}
