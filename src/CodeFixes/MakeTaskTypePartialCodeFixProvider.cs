using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using TypedTasks.Analyzers;
using TypedTasks.Semantics;

namespace TypedTasks.CodeFixes;

/// <summary>
/// TT0001: adds <c>partial</c> to every declaration of the type that lacks it, and to its containing
/// types, since the generator's proxy must be nested in each of them.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeTaskTypePartialCodeFixProvider)), Shared]
public sealed class MakeTaskTypePartialCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "TT0001.MakePartial";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.TypeMustBePartial.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || semanticModel is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var declaration = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (declaration is null
                || semanticModel.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol type)
            {
                continue;
            }

            var solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Make '{type.Name}' partial",
                    cancellationToken => MakePartialAsync(solution, type, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Solution> MakePartialAsync(Solution solution, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var editor = new SolutionEditor(solution);
        for (var current = type; current is not null; current = current.ContainingType)
        {
            foreach (var reference in current.DeclaringSyntaxReferences)
            {
                if (await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is not TypeDeclarationSyntax declaration
                    || declaration.Modifiers.Any(SyntaxKind.PartialKeyword)
                    || solution.GetDocumentId(declaration.SyntaxTree) is not { } documentId)
                {
                    continue;
                }

                var documentEditor = await editor.GetDocumentEditorAsync(documentId, cancellationToken).ConfigureAwait(false);
                documentEditor.ReplaceNode(declaration, (node, _) => AddPartial((TypeDeclarationSyntax)node));
            }
        }

        return editor.GetChangedSolution();
    }

    /// <summary>Appends <c>partial</c> to the modifiers: it must come right before <c>class</c>, <c>struct</c> or <c>record</c> (CS0267).</summary>
    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (declaration.Modifiers.Count == 0)
        {
            // The keyword's leading trivia (indentation, comments) moves in front of the new modifier.
            var keyword = declaration.Keyword;
            partial = partial.WithLeadingTrivia(keyword.LeadingTrivia);
            declaration = declaration.ReplaceToken(keyword, keyword.WithLeadingTrivia(SyntaxTriviaList.Empty));
        }

        return declaration.WithModifiers(declaration.Modifiers.Add(partial));
    }
}
