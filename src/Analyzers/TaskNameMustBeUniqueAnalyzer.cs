using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0005: the task name is the key of the dispatcher table on the worker, so two tasks with one name
/// would route each other's messages. Names are compared ordinally, as NATS subjects are.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskNameMustBeUniqueAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TaskNameMustBeUnique);

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

            // Duplicates span types and files, so collect every task first and compare at the end.
            var tasks = new ConcurrentBag<NamedTask>();
            start.RegisterSymbolAction(
                symbolContext =>
                {
                    var method = (IMethodSymbol)symbolContext.Symbol;
                    if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is { } attribute)
                    {
                        tasks.Add(new NamedTask(TaskSymbolNames.GetName(method, attribute), method, GetAttributeLocation(attribute, symbolContext)));
                    }
                },
                SymbolKind.Method);
            start.RegisterCompilationEndAction(end => ReportDuplicates(end, tasks));
        });
    }

    private static Location GetAttributeLocation(AttributeData attribute, SymbolAnalysisContext context)
        => attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation()
            ?? context.Symbol.Locations.FirstOrDefault()
            ?? Location.None;

    private static void ReportDuplicates(CompilationAnalysisContext context, ConcurrentBag<NamedTask> tasks)
    {
        var duplicates = tasks
            .GroupBy(task => task.Name, StringComparer.Ordinal)
            .Where(group => group.Count() > 1);
        foreach (var group in duplicates)
        {
            var members = group.OrderBy(task => task.Display, StringComparer.Ordinal).ToList();
            foreach (var task in members)
            {
                var others = string.Join(", ", members.Where(other => !ReferenceEquals(other, task)).Select(other => "'" + other.Display + "'"));
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.TaskNameMustBeUnique, task.Location, task.Name, others));
            }
        }
    }

    private sealed class NamedTask
    {
        public NamedTask(string name, IMethodSymbol method, Location location)
        {
            Name = name;
            Display = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
            Location = location;
        }

        public string Name { get; }

        public string Display { get; }

        public Location Location { get; }
    }
}
