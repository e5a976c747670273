using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using TypedTasks.Analyzers;
using TypedTasks.Semantics;

namespace TypedTasks.CodeFixes;

/// <summary>TT0102: marks the service parameter <c>[FromServices]</c> so the worker injects it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddFromServicesCodeFixProvider)), Shared]
public sealed class AddFromServicesCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "TT0102.AddFromServices";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.ParameterMustNotBeService.Id);

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
            if (root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<ParameterSyntax>() is not { } parameter)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Mark '{parameter.Identifier.ValueText}' [FromServices]",
                    cancellationToken => AddAttributeAsync(context.Document, parameter, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> AddAttributeAsync(Document document, ParameterSyntax parameter, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        // Fully qualified and left to the simplifier: `FromServices` under `using TypedTasks;`, else `TypedTasks.FromServices`.
        var attribute = SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::TypedTasks.FromServices"))
            .WithAdditionalAnnotations(Simplifier.Annotation);

        ParameterSyntax updated;
        if (parameter.AttributeLists.Count > 0)
        {
            var last = parameter.AttributeLists[parameter.AttributeLists.Count - 1];
            updated = parameter.ReplaceNode(last, last.WithAttributes(last.Attributes.Add(attribute)));
        }
        else
        {
            var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute))
                .WithLeadingTrivia(parameter.GetLeadingTrivia())
                .WithTrailingTrivia(SyntaxFactory.Space);
            updated = parameter.WithoutLeadingTrivia().WithAttributeLists(SyntaxFactory.SingletonList(list));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(parameter, updated));
    }
}
