using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0007: <c>Queue</c> becomes a NATS subject token and a consumer name, and <c>Name</c> a key of the
/// dispatcher table and part of message headers, so both are limited to characters NATS accepts there.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskAttributeValuesMustBeValidAnalyzer : DiagnosticAnalyzer
{
    private const string QueueFix = "use only letters, digits, '-' and '_'";
    private const string NameFix = "use a non-empty name without whitespace, '*' or '>'";

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

        foreach (var argument in attribute.NamedArguments)
        {
            // null means "use the default", which is always valid. Array options (AutoRetryFor) have no
            // Value: reading it throws, so only Name and Queue are read.
            if (argument.Key is not ("Queue" or "Name") || argument.Value.Value is not string value)
            {
                continue;
            }

            string? fix = argument.Key switch
            {
                "Queue" when !IsValidQueue(value) => QueueFix,
                "Name" when !IsValidName(value) => NameFix,
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
    }

    /// <summary><c>^[A-Za-z0-9_-]+$</c>, without a regex.</summary>
    internal static bool IsValidQueue(string queue)
    {
        if (queue.Length == 0)
        {
            return false;
        }

        foreach (var c in queue)
        {
            var valid = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-';
            if (!valid)
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || c is '*' or '>')
            {
                return false;
            }
        }

        return true;
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
