using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0102: a task argument whose type is a service (a logger, a DbContext, an HTTP client, a
/// repository…) is live state of the caller's process; it cannot be written to JSON and rebuilt on a
/// worker. Such parameters belong in <c>[FromServices]</c>, which the worker fills from its DI scope.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskParameterMustNotBeServiceAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Well-known service types, matched by metadata name when the compilation has them.</summary>
    private static readonly (string MetadataName, string Display)[] KnownServices =
    [
        ("System.IServiceProvider", "IServiceProvider"),
        ("Microsoft.Extensions.Logging.ILogger`1", "ILogger<T>"),
        ("Microsoft.Extensions.Logging.ILogger", "ILogger"),
        ("Microsoft.AspNetCore.Http.HttpContext", "HttpContext"),
        ("Microsoft.EntityFrameworkCore.DbContext", "DbContext"),
        ("System.Net.Http.HttpClient", "HttpClient"),
        ("Microsoft.Extensions.Options.IOptions`1", "IOptions<T>"),
        ("Microsoft.Extensions.Options.IOptionsMonitor`1", "IOptionsMonitor<T>"),
        ("Microsoft.Extensions.Configuration.IConfiguration", "IConfiguration"),
    ];

    /// <summary>Interfaces named like these are taken for services even when no known type matches.</summary>
    private static readonly string[] ServiceNameSuffixes = ["Service", "Repository", "Sender", "Store", "Client", "Factory"];

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.ParameterMustNotBeService);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var taskAttribute = compilation.GetTypeByMetadataName(TaskSymbols.TaskAttributeMetadataName);
            if (taskAttribute is null)
            {
                return;
            }

            var fromServices = compilation.GetTypeByMetadataName(TaskSymbols.FromServicesAttributeMetadataName);
            var cancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            var known = new List<(INamedTypeSymbol Type, string Display)>();
            foreach (var (metadataName, display) in KnownServices)
            {
                if (compilation.GetTypeByMetadataName(metadataName) is { } type)
                {
                    known.Add((type, display));
                }
            }

            start.RegisterSymbolAction(
                symbolContext => Analyze(symbolContext, taskAttribute, fromServices, cancellationToken, known),
                SymbolKind.Method);
        });
    }

    private static void Analyze(
        SymbolAnalysisContext context,
        INamedTypeSymbol taskAttribute,
        INamedTypeSymbol? fromServices,
        INamedTypeSymbol? cancellationToken,
        List<(INamedTypeSymbol Type, string Display)> known)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is null)
        {
            return;
        }

        foreach (var parameter in method.Parameters)
        {
            if (!TaskSymbols.IsTaskArgument(parameter, fromServices, cancellationToken)
                || Describe(parameter.Type, known) is not { } reason)
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.ParameterMustNotBeService,
                TaskSymbols.GetParameterLocation(parameter, context.CancellationToken),
                parameter.Name,
                method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                reason));
        }
    }

    /// <summary>Why <paramref name="type"/> is a service, or <see langword="null"/> when it is not.</summary>
    private static string? Describe(ITypeSymbol type, List<(INamedTypeSymbol Type, string Display)> known)
    {
        var typeName = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        foreach (var (service, display) in known)
        {
            if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, service))
            {
                return typeName;
            }

            var related = service.TypeKind == TypeKind.Interface
                ? TaskSymbols.IsOrImplements(type, service)
                : TaskSymbols.IsOrDerivesFrom(type, service);
            if (related)
            {
                return typeName + (service.TypeKind == TypeKind.Interface ? " implements " : " derives from ") + display;
            }
        }

        if (type.TypeKind == TypeKind.Interface)
        {
            foreach (var suffix in ServiceNameSuffixes)
            {
                if (type.Name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    return typeName + " is an interface named like a service";
                }
            }
        }

        return null;
    }
}
