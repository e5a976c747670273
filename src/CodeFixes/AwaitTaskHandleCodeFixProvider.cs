using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TypedTasks.Analyzers;
using TypedTasks.Semantics;

namespace TypedTasks.CodeFixes;

/// <summary>
/// TT0201: awaits the discarded <c>DelayAsync</c>/<c>ApplyAsync</c>. Offered only where
/// <c>await</c> is already legal (inside an async method, local function or lambda): making a
/// method async changes its signature and callers, which is the author's call.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitTaskHandleCodeFixProvider)), Shared]
public sealed class AwaitTaskHandleCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "TT0201.Await";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.HandleMustBeAwaited.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                    .FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
                || !CanAwait(invocation))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Await the call",
                    cancellationToken => AwaitAsync(context.Document, invocation, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>Whether the innermost function around <paramref name="node"/> is async, with no lock in between (CS1996).</summary>
    private static bool CanAwait(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case LockStatementSyntax:
                    return false;
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax localFunction:
                    return localFunction.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case BaseMethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case GlobalStatementSyntax:
                    // Top-level statements may await.
                    return true;
                case AccessorDeclarationSyntax or MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }

    private static async Task<Document> AwaitAsync(Document document, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        // `_ = proxy.DelayAsync(…)` becomes `await proxy.DelayAsync(…)`: the discard only silenced the warning.
        ExpressionSyntax replaced = invocation.Parent is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } } discard
            && discard.IsKind(SyntaxKind.SimpleAssignmentExpression)
                ? discard
                : invocation;
        var awaited = SyntaxFactory.AwaitExpression(
                SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space),
                invocation.WithoutLeadingTrivia().WithoutTrailingTrivia())
            .WithLeadingTrivia(replaced.GetLeadingTrivia())
            .WithTrailingTrivia(replaced.GetTrailingTrivia());

        return document.WithSyntaxRoot(root.ReplaceNode(replaced, awaited));
    }
}
