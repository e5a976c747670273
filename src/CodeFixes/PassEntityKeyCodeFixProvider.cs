using System.Collections.Immutable;
using System.Composition;
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
/// TT0103: turns <c>Order order</c> into <c>int orderId</c>. Only the declaration changes: the body
/// then fails to compile where it used the entity, which is exactly where it must now load it.
/// Offered for single entities with a key; collections need a decision about loading in bulk.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PassEntityKeyCodeFixProvider)), Shared]
public sealed class PassEntityKeyCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "TT0103.PassKey";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.ParameterShouldNotBeEntity.Id);

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
            if (!diagnostic.Properties.TryGetValue(TaskParameterShouldNotBeEntityAnalyzer.KeyNameProperty, out var keyName)
                || keyName is null
                || diagnostic.Properties.ContainsKey(TaskParameterShouldNotBeEntityAnalyzer.IsCollectionProperty)
                || root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<ParameterSyntax>() is not { Type: not null } parameter)
            {
                continue;
            }

            var newName = parameter.Identifier.ValueText + "Id";
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Pass '{newName}' instead",
                    cancellationToken => PassKeyAsync(context.Document, parameter, newName, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> PassKeyAsync(Document document, ParameterSyntax parameter, string newName, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null
            || semanticModel is null
            || semanticModel.GetDeclaredSymbol(parameter, cancellationToken) is not { } symbol
            || TaskParameterShouldNotBeEntityAnalyzer.FindKey(symbol.Type) is not { } key)
        {
            return document;
        }

        // TypeExpression carries the simplifier annotation: `int`, `Guid` under `using System;`.
        var keyType = ((TypeSyntax)SyntaxGenerator.GetGenerator(document).TypeExpression(key.Type))
            .WithTriviaFrom(parameter.Type!);
        var updated = parameter
            .WithType(keyType)
            .WithIdentifier(SyntaxFactory.Identifier(newName).WithTriviaFrom(parameter.Identifier));

        return document.WithSyntaxRoot(root.ReplaceNode(parameter, updated));
    }
}
