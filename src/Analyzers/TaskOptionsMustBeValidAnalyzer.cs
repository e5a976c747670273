using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0008: the lifecycle options of <c>[Task]</c> (retries, backoff, time limits, expiry, rate limit) are checked by the
/// generator, which skips a task whose values it cannot use; this says which value and why. TimeSpan options
/// and rate limits are parsed by the same code as in the generator and the runtime (<see cref="TimeSpanSyntax"/>,
/// <see cref="RateLimitSyntax"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskOptionsMustBeValidAnalyzer : DiagnosticAnalyzer
{
    internal const string MaxRetriesFix = "use 0 to never retry, or a positive number of retries";
    internal const string SoftTimeLimitFix = "so the task is abandoned before it can react to its CancellationToken; make SoftTimeLimit shorter than TimeLimit";
    internal const string RetryBackoffBaseFix = "make RetryBackoffBase no longer than RetryBackoffMax";
    internal const string ExceptionTypeFix = "list only types deriving from System.Exception, such as typeof(HttpRequestException)";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TaskOptionMustBeValid);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var taskAttribute = start.Compilation.GetTypeByMetadataName(TaskSymbols.TaskAttributeMetadataName);
            var exception = start.Compilation.GetTypeByMetadataName("System.Exception");
            if (taskAttribute is null || exception is null)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, taskAttribute, exception), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol taskAttribute, INamedTypeSymbol exception)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is not { } attribute)
        {
            return;
        }

        var taskName = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        var durations = new Dictionary<string, (string Text, TimeSpan Value)>(StringComparer.Ordinal);

        void Report(Location location, string option, string problem)
            => context.ReportDiagnostic(Diagnostic.Create(Descriptors.TaskOptionMustBeValid, location, option, taskName, problem));

        foreach (var argument in attribute.NamedArguments)
        {
            var option = argument.Key;
            var value = argument.Value;
            if (value.Kind == TypedConstantKind.Error || value.IsNull)
            {
                // null means "use the default", which is always valid.
                continue;
            }

            if (option == "MaxRetries" && value.Value is int retries && retries < 0)
            {
                Report(GetValueLocation(attribute, option, context), option, $"{retries} is negative; {MaxRetriesFix}");
            }
            else if (TimeSpanSyntax.IsOption(option) && value.Value is string text)
            {
                if (TimeSpanSyntax.GetProblem(text, out var duration) is { } timeSpanProblem)
                {
                    Report(GetValueLocation(attribute, option, context), option, timeSpanProblem);
                }
                else
                {
                    durations[option] = (text, duration);
                }
            }
            else if (option == "RateLimit" && value.Value is string rate && RateLimitSyntax.GetProblem(rate) is { } rateProblem)
            {
                Report(GetValueLocation(attribute, option, context), option, $"{rateProblem}; {RateLimitSyntax.Fix}");
            }
            else if (option == "AutoRetryFor" && value.Kind == TypedConstantKind.Array)
            {
                AnalyzeAutoRetryFor(context, attribute, value, exception, Report);
            }
        }

        // Relations are checked only between values that are valid on their own.
        if (durations.TryGetValue("SoftTimeLimit", out var soft)
            && durations.TryGetValue("TimeLimit", out var hard)
            && soft.Value >= hard.Value)
        {
            Report(
                GetValueLocation(attribute, "SoftTimeLimit", context),
                "SoftTimeLimit",
                $"{Quote(soft.Text)} is not shorter than TimeLimit {Quote(hard.Text)}, {SoftTimeLimitFix}");
        }

        if (durations.TryGetValue("RetryBackoffBase", out var backoffBase)
            && durations.TryGetValue("RetryBackoffMax", out var backoffMax)
            && backoffBase.Value > backoffMax.Value)
        {
            Report(
                GetValueLocation(attribute, "RetryBackoffBase", context),
                "RetryBackoffBase",
                $"{Quote(backoffBase.Text)} is longer than RetryBackoffMax {Quote(backoffMax.Text)}; {RetryBackoffBaseFix}");
        }
    }

    private static void AnalyzeAutoRetryFor(
        SymbolAnalysisContext context,
        AttributeData attribute,
        TypedConstant value,
        INamedTypeSymbol exception,
        Action<Location, string, string> report)
    {
        const string Option = "AutoRetryFor";
        var argument = TaskSymbols.GetNamedArgumentSyntax(attribute, Option, context.CancellationToken);
        var elements = argument is null ? null : GetElements(argument.Expression);
        var entries = value.Values;
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            if (entry.Kind == TypedConstantKind.Error)
            {
                continue;
            }

            string? problem = entry.Value switch
            {
                null => "null is not an exception type",
                ITypeSymbol { TypeKind: TypeKind.Error } => null,
                INamedTypeSymbol { IsUnboundGenericType: true } open =>
                    $"'{Display(open)}' is an open generic type, which no exception can be an instance of",
                ITypeSymbol type when !TaskSymbols.IsOrDerivesFrom(type, exception) =>
                    $"'{Display(type)}' is not an exception type",
                _ => null,
            };
            if (problem is null)
            {
                continue;
            }

            // The element's own syntax when the array is written out in the attribute; else the whole value.
            var location = elements is not null && elements.Count == entries.Length
                ? elements[i].GetLocation()
                : argument?.Expression.GetLocation() ?? GetValueLocation(attribute, Option, context);
            report(location, Option, $"{problem}; {ExceptionTypeFix}");
        }
    }

    /// <summary>The element expressions of <c>new[] { … }</c>, <c>new Type[] { … }</c> and <c>[…]</c>.</summary>
    private static IReadOnlyList<ExpressionSyntax>? GetElements(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case ImplicitArrayCreationExpressionSyntax implicitArray:
                return implicitArray.Initializer.Expressions;
            case ArrayCreationExpressionSyntax { Initializer: { } initializer }:
                return initializer.Expressions;
            case CollectionExpressionSyntax collection:
                var elements = new List<ExpressionSyntax>(collection.Elements.Count);
                foreach (var element in collection.Elements)
                {
                    if (element is not ExpressionElementSyntax expressionElement)
                    {
                        return null;
                    }

                    elements.Add(expressionElement.Expression);
                }

                return elements;
            default:
                return null;
        }
    }

    /// <summary>The value expression of the named argument, falling back to the attribute, then the method.</summary>
    private static Location GetValueLocation(AttributeData attribute, string option, SymbolAnalysisContext context)
    {
        if (TaskSymbols.GetNamedArgumentSyntax(attribute, option, context.CancellationToken) is { } argument)
        {
            return argument.Expression.GetLocation();
        }

        return attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation()
            ?? TaskSymbols.GetIdentifierLocation((IMethodSymbol)context.Symbol);
    }

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

    private static string Quote(string text) => "\"" + text + "\"";
}
