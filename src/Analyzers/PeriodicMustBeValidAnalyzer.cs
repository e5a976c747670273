using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0010–TT0013: a <c>[Periodic]</c> schedule is checked where it is written, with the rules the runtime applies at
/// start-up (<see cref="CronSyntax"/>, which agrees with Cronos; <see cref="TimeZoneIds"/>, the IANA list compiled in so
/// that every OS gives the same answer; <see cref="PeriodicSyntax"/>): a bad schedule is a build error, not a worker
/// that refuses to start in production.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PeriodicMustBeValidAnalyzer : DiagnosticAnalyzer
{
    private const string PeriodicAttributeMetadataName = "TypedTasks.PeriodicAttribute";
    private const string TaskContextMetadataName = "TypedTasks.TaskContext";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.PeriodicScheduleMustBeValid,
        Descriptors.PeriodicTimeZoneMustBeKnown,
        Descriptors.PeriodicTaskMustNotNeedArguments,
        Descriptors.PeriodicNeedsTask);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var periodic = start.Compilation.GetTypeByMetadataName(PeriodicAttributeMetadataName);
            if (periodic is null)
            {
                return;
            }

            var symbols = new Symbols(
                periodic,
                start.Compilation.GetTypeByMetadataName(TaskSymbols.TaskAttributeMetadataName),
                start.Compilation.GetTypeByMetadataName(TaskSymbols.FromServicesAttributeMetadataName),
                start.Compilation.GetTypeByMetadataName("System.Threading.CancellationToken"),
                start.Compilation.GetTypeByMetadataName(TaskContextMetadataName));
            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, symbols), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, Symbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        var schedules = new List<AttributeData>();
        foreach (var attribute in method.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.Periodic))
            {
                schedules.Add(attribute);
            }
        }

        if (schedules.Count == 0)
        {
            return;
        }

        var display = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        var task = symbols.Task is null ? null : TaskSymbols.GetTaskAttribute(method, symbols.Task);
        if (task is null)
        {
            var whole = schedules[0].ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? Location(schedules[0], null, context);
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.PeriodicNeedsTask, whole, display));
            return;
        }

        foreach (var parameter in method.Parameters)
        {
            var isContext = symbols.TaskContext is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, symbols.TaskContext);
            if (!isContext && TaskSymbols.IsTaskArgument(parameter, symbols.FromServices, symbols.CancellationToken) && !parameter.HasExplicitDefaultValue)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.PeriodicTaskMustNotNeedArguments,
                    TaskSymbols.GetParameterLocation(parameter, context.CancellationToken),
                    display,
                    parameter.Name,
                    method.ContainingType.Name + "." + method.Name + "Task"));
                break;
            }
        }

        var taskName = TaskSymbolNames.GetName(method, task);
        var names = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var schedule in schedules)
        {
            CheckSchedule(context, schedule, display, taskName, names);
        }
    }

    private static void CheckSchedule(SymbolAnalysisContext context, AttributeData schedule, string display, string taskName, HashSet<string> names)
    {
        var read = PeriodicArguments.Read(schedule);
        var (hasCron, cron, every, timeZone, name) = (read.HasCron, read.Cron, read.Every, read.TimeZone, read.Name);
        if (read.CatchUp is { } catchUp && catchUp is < 0 or > 2)
        {
            Report(context, schedule, "CatchUp", display, $"CatchUp {catchUp} is not a PeriodicCatchUp value", "use PeriodicCatchUp.Latest, All or None");
        }

        if (hasCron == (every is not null))
        {
            Report(context, schedule, hasCron ? "Every" : null, display, hasCron ? "it has both a cron string and Every" : "it has neither a cron string nor Every", PeriodicSyntax.OneOfFix);
        }
        else if (hasCron && CronSyntax.GetProblem(cron) is { } cronProblem)
        {
            Report(context, schedule, null, display, $"the cron string \"{cron}\" is not valid ({cronProblem})", CronSyntax.Fix);
        }
        else if (every is not null && PeriodicSyntax.GetEveryProblem(every, out _) is { } everyProblem)
        {
            Report(context, schedule, "Every", display, "Every " + everyProblem, PeriodicSyntax.EveryFix);
        }

        if (timeZone is not null)
        {
            if (!TimeZoneIds.IsKnown(timeZone))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.PeriodicTimeZoneMustBeKnown,
                    Location(schedule, "TimeZone", context),
                    display,
                    timeZone,
                    "release " + TimeZoneIds.Release,
                    TimeZoneIds.Fix));
            }
            else if (every is not null && !hasCron && timeZone is not ("UTC" or "Etc/UTC"))
            {
                Report(context, schedule, "TimeZone", display, "a time zone has no effect on Every (occurrences are counted from 1970-01-01T00:00:00Z)", "remove TimeZone");
            }
        }

        var resolved = name ?? taskName;
        if (!PeriodicSyntax.IsValidName(resolved))
        {
            Report(context, schedule, name is null ? null : "Name", display, $"the schedule name \"{resolved}\"{(name is null ? " (the task's name)" : string.Empty)} is not valid", PeriodicSyntax.NameFix);
        }
        else if (!names.Add(resolved))
        {
            Report(context, schedule, name is null ? null : "Name", display, $"another [Periodic] of this task is also named \"{resolved}\"", "give each [Periodic] of the task its own Name");
        }
    }

    private static void Report(SymbolAnalysisContext context, AttributeData schedule, string? argument, string display, string problem, string fix)
        => context.ReportDiagnostic(Diagnostic.Create(Descriptors.PeriodicScheduleMustBeValid, Location(schedule, argument, context), display, problem, fix));

    /// <summary>The named argument when written, else the cron string, else the attribute.</summary>
    private static Location Location(AttributeData attribute, string? argument, SymbolAnalysisContext context)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax syntax)
        {
            if (syntax.ArgumentList is { } arguments)
            {
                foreach (var item in arguments.Arguments)
                {
                    var isNamed = item.NameEquals is not null;
                    if ((argument is null && !isNamed) || (argument is not null && item.NameEquals?.Name.Identifier.ValueText == argument))
                    {
                        return item.GetLocation();
                    }
                }
            }

            return syntax.GetLocation();
        }

        return context.Symbol.Locations.Length > 0 ? context.Symbol.Locations[0] : Microsoft.CodeAnalysis.Location.None;
    }

    private sealed class Symbols
    {
        public Symbols(INamedTypeSymbol periodic, INamedTypeSymbol? task, INamedTypeSymbol? fromServices, INamedTypeSymbol? cancellationToken, INamedTypeSymbol? taskContext)
        {
            Periodic = periodic;
            Task = task;
            FromServices = fromServices;
            CancellationToken = cancellationToken;
            TaskContext = taskContext;
        }

        public INamedTypeSymbol Periodic { get; }

        public INamedTypeSymbol? Task { get; }

        public INamedTypeSymbol? FromServices { get; }

        public INamedTypeSymbol? CancellationToken { get; }

        public INamedTypeSymbol? TaskContext { get; }
    }
}
