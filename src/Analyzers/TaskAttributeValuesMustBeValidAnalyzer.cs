using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0007: <c>Queue</c> becomes a NATS subject token and a consumer name, and <c>Name</c> a key of the
/// dispatcher table and part of message headers, so both are limited to characters NATS accepts there. A task without
/// <c>Name</c> is checked on its default name (namespace, types, method), which may hold non-ASCII identifiers.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskAttributeValuesMustBeValidAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.AttributeValueMustBeValid);

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

        var explicitName = false;
        foreach (var argument in attribute.NamedArguments)
        {
            explicitName |= argument.Key == "Name" && argument.Value.Value is string { Length: > 0 };
            // null means "use the default", which is always valid. Array options (AutoRetryFor) have no
            // Value: reading it throws, so only Name and Queue are read.
            if (argument.Key is not ("Queue" or "Name") || argument.Value.Value is not string value)
            {
                continue;
            }

            string? fix = argument.Key switch
            {
                "Queue" when !TaskNames.IsValidQueue(value) => TaskNames.QueueFix,
                "Name" when !TaskNames.IsValidName(value) => TaskNames.NameFix,
                _ => null,
            };
            if (fix is null)
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.AttributeValueMustBeValid,
                GetArgumentLocation(attribute, argument.Key, context),
                argument.Key,
                value,
                method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                fix));
        }

        if (!explicitName)
        {
            // The default name comes from identifiers, which C# allows outside ASCII (class Tâches): a header cannot carry it.
            var name = TaskSymbolNames.GetDefaultName(method);
            if (!TaskNames.IsValidName(name))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.AttributeValueMustBeValid,
                    attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? method.Locations[0],
                    "Name",
                    name,
                    method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                    TaskNames.DefaultNameFix));
            }
        }
    }

    private static Location GetArgumentLocation(AttributeData attribute, string name, SymbolAnalysisContext context)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax { ArgumentList: { } arguments } syntax)
        {
            foreach (var argument in arguments.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return argument.GetLocation();
                }
            }

            return syntax.GetLocation();
        }

        return context.Symbol.Locations[0];
    }
}
