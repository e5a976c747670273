using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0103: an Entity Framework entity passed as a task argument is serialized as a snapshot; the
/// worker gets a detached copy that may be stale when it runs, and saving it can overwrite newer
/// data. Celery's advice applies: pass the primary key and load the object in the task
/// (https://docs.celeryq.dev/en/stable/userguide/tasks.html#state).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskParameterShouldNotBeEntityAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property naming the entity's key property, for the code fix; absent when there is none.</summary>
    public const string KeyNameProperty = "KeyName";

    /// <summary>Diagnostic property set when the parameter is a collection of entities.</summary>
    public const string IsCollectionProperty = "IsCollection";

    private const string DbContextMetadataName = "Microsoft.EntityFrameworkCore.DbContext";
    private const string DbSetMetadataName = "Microsoft.EntityFrameworkCore.DbSet`1";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.ParameterShouldNotBeEntity);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var taskAttribute = compilation.GetTypeByMetadataName(TaskSymbols.TaskAttributeMetadataName);
            var dbContext = compilation.GetTypeByMetadataName(DbContextMetadataName);
            var dbSet = compilation.GetTypeByMetadataName(DbSetMetadataName);
            if (taskAttribute is null || dbContext is null || dbSet is null)
            {
                return;
            }

            var fromServices = compilation.GetTypeByMetadataName(TaskSymbols.FromServicesAttributeMetadataName);
            var cancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            var enumerableOfT = compilation.GetSpecialType(SpecialType.System_Collections_Generic_IEnumerable_T);

            // Built on the first task method, then shared: most compilations hold few DbContexts.
            var entities = new Lazy<Dictionary<ITypeSymbol, string>>(
                () => FindEntities(compilation, dbContext, dbSet, start.CancellationToken),
                LazyThreadSafetyMode.ExecutionAndPublication);

            start.RegisterSymbolAction(
                symbolContext => Analyze(symbolContext, taskAttribute, fromServices, cancellationToken, enumerableOfT, entities),
                SymbolKind.Method);
        });
    }

    private static void Analyze(
        SymbolAnalysisContext context,
        INamedTypeSymbol taskAttribute,
        INamedTypeSymbol? fromServices,
        INamedTypeSymbol? cancellationToken,
        INamedTypeSymbol enumerableOfT,
        Lazy<Dictionary<ITypeSymbol, string>> entities)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is null)
        {
            return;
        }

        foreach (var parameter in method.Parameters)
        {
            if (!TaskSymbols.IsTaskArgument(parameter, fromServices, cancellationToken))
            {
                continue;
            }

            var isCollection = false;
            var entity = parameter.Type;
            if (!entities.Value.TryGetValue(entity, out var dbSetProperty)
                && GetElementType(parameter.Type, enumerableOfT) is { } element)
            {
                entity = element;
                isCollection = entities.Value.TryGetValue(entity, out dbSetProperty);
            }

            if (dbSetProperty is null)
            {
                continue;
            }

            var key = FindKey(entity);
            var properties = ImmutableDictionary<string, string?>.Empty;
            string fix;
            if (key is null)
            {
                fix = isCollection ? "pass their keys and load the entities in the task" : "pass its key and load the entity in the task";
            }
            else
            {
                var keyType = key.Type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
                fix = isCollection
                    ? $"pass the {key.Name} ({keyType}) of each {entity.Name} and load the entities in the task"
                    : $"pass {parameter.Name}.{key.Name} ({keyType}) and load the entity in the task";
                properties = properties.Add(KeyNameProperty, key.Name);
            }

            if (isCollection)
            {
                properties = properties.Add(IsCollectionProperty, "true");
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.ParameterShouldNotBeEntity,
                TaskSymbols.GetParameterLocation(parameter, context.CancellationToken),
                properties,
                parameter.Name,
                method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                entity.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                dbSetProperty,
                fix));
        }
    }

    /// <summary>The <c>Id</c> or <c>{Type}Id</c> property of <paramref name="entity"/>, by EF Core's key convention.</summary>
    public static IPropertySymbol? FindKey(ITypeSymbol entity)
    {
        foreach (var name in new[] { "Id", entity.Name + "Id" })
        {
            for (var type = entity; type is not null; type = type.BaseType)
            {
                var key = type.GetMembers(name)
                    .OfType<IPropertySymbol>()
                    .FirstOrDefault(p => !p.IsStatic && p.GetMethod is not null && p.DeclaredAccessibility == Accessibility.Public);
                if (key is not null)
                {
                    return key;
                }
            }
        }

        return null;
    }

    /// <summary>The element type of an array or an <c>IEnumerable&lt;T&gt;</c> other than string.</summary>
    private static ITypeSymbol? GetElementType(ITypeSymbol type, INamedTypeSymbol enumerableOfT)
    {
        if (type is IArrayTypeSymbol array)
        {
            return array.ElementType;
        }

        if (type.SpecialType == SpecialType.System_String)
        {
            return null;
        }

        if (type is INamedTypeSymbol named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, enumerableOfT))
        {
            return named.TypeArguments[0];
        }

        return type.AllInterfaces
            .FirstOrDefault(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, enumerableOfT))
            ?.TypeArguments[0];
    }

    /// <summary>
    /// Entity types mapped to the DbSet property that exposes them (<c>AppDbContext.Orders</c>), from
    /// DbContexts in this compilation and in referenced assemblies that themselves reference EF Core.
    /// </summary>
    private static Dictionary<ITypeSymbol, string> FindEntities(
        Compilation compilation,
        INamedTypeSymbol dbContext,
        INamedTypeSymbol dbSet,
        CancellationToken cancellationToken)
    {
        var entities = new Dictionary<ITypeSymbol, string>(SymbolEqualityComparer.Default);
        var efAssembly = dbContext.ContainingAssembly;
        Visit(compilation.Assembly.GlobalNamespace);
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            // EF Core's own providers reference it too but declare no application entities.
            if (!assembly.Name.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
                && assembly.Modules.Any(module => module.ReferencedAssemblySymbols.Contains(efAssembly, SymbolEqualityComparer.Default)))
            {
                Visit(assembly.GlobalNamespace);
            }
        }

        return entities;

        void Visit(INamespaceOrTypeSymbol container)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var member in container.GetMembers())
            {
                if (member is INamespaceSymbol ns)
                {
                    Visit(ns);
                }
                else if (member is INamedTypeSymbol type)
                {
                    if (type.TypeKind == TypeKind.Class && !SymbolEqualityComparer.Default.Equals(type, dbContext) && TaskSymbols.IsOrDerivesFrom(type, dbContext))
                    {
                        AddDbSets(type);
                    }

                    Visit(type);
                }
            }
        }

        void AddDbSets(INamedTypeSymbol context)
        {
            for (var type = context; type is not null && !SymbolEqualityComparer.Default.Equals(type, dbContext); type = type.BaseType)
            {
                foreach (var property in type.GetMembers().OfType<IPropertySymbol>())
                {
                    if (property.Type is INamedTypeSymbol { TypeArguments.Length: 1 } set
                        && SymbolEqualityComparer.Default.Equals(set.OriginalDefinition, dbSet)
                        && !entities.ContainsKey(set.TypeArguments[0]))
                    {
                        entities.Add(set.TypeArguments[0], property.ContainingType.Name + "." + property.Name);
                    }
                }
            }
        }
    }
}
