using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TypedTasks.Semantics;

/// <summary>
/// What counts as a service rather than data: live state of a process (a logger, a DbContext, an HTTP client, the
/// service provider, an interface named like a repository…) that no JSON can carry to a worker. Such a task parameter
/// gets one diagnostic, TT0102 (mark it <c>[FromServices]</c>); the serializability rules (TT0104) and the generator
/// (TT0101) stay silent about it, since their advice (a constructor, <c>[JsonDerivedType]</c>) would be wrong.
/// </summary>
internal sealed class ServiceTypes
{
    /// <summary>Well-known service types, matched by metadata name when the compilation has them.</summary>
    private static readonly (string MetadataName, string Display)[] KnownServices =
    {
        ("System.IServiceProvider", "IServiceProvider"),
        ("Microsoft.Extensions.Logging.ILogger`1", "ILogger<T>"),
        ("Microsoft.Extensions.Logging.ILogger", "ILogger"),
        ("Microsoft.AspNetCore.Http.HttpContext", "HttpContext"),
        ("Microsoft.EntityFrameworkCore.DbContext", "DbContext"),
        ("System.Net.Http.HttpClient", "HttpClient"),
        ("Microsoft.Extensions.Options.IOptions`1", "IOptions<T>"),
        ("Microsoft.Extensions.Options.IOptionsMonitor`1", "IOptionsMonitor<T>"),
        ("Microsoft.Extensions.Configuration.IConfiguration", "IConfiguration"),
    };

    /// <summary>Interfaces named like these are taken for services even when no known type matches.</summary>
    private static readonly string[] ServiceNameSuffixes = { "Service", "Repository", "Sender", "Store", "Client", "Factory" };

    private readonly List<(INamedTypeSymbol Type, string Display)> _known = new();
    private readonly INamedTypeSymbol? _jsonDerivedType;

    public ServiceTypes(Compilation compilation)
    {
        foreach (var (metadataName, display) in KnownServices)
        {
            if (compilation.GetTypeByMetadataName(metadataName) is { } type)
            {
                _known.Add((type, display));
            }
        }

        _jsonDerivedType = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonDerivedTypeAttribute");
    }

    /// <summary>Whether <paramref name="type"/> is a service.</summary>
    public bool IsService(ITypeSymbol type) => Describe(type) is not null;

    /// <summary>Why <paramref name="type"/> is a service ("AppDbContext derives from DbContext"), or <see langword="null"/> when it is not.</summary>
    public string? Describe(ITypeSymbol type)
    {
        var typeName = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        foreach (var (service, display) in _known)
        {
            if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, service))
            {
                return typeName;
            }

            var related = service.TypeKind == TypeKind.Interface ? Implements(type, service) : DerivesFrom(type, service);
            if (related)
            {
                return typeName + (service.TypeKind == TypeKind.Interface ? " implements " : " derives from ") + display;
            }
        }

        // An interface with [JsonDerivedType] is polymorphic data, whatever its name.
        if (type.TypeKind == TypeKind.Interface && !HasJsonDerivedType(type))
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

    private bool HasJsonDerivedType(ITypeSymbol type)
        => _jsonDerivedType is not null
            && type.GetAttributes().Any(attribute => SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _jsonDerivedType));

    private static bool DerivesFrom(ITypeSymbol type, INamedTypeSymbol baseType)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Implements(ITypeSymbol type, INamedTypeSymbol interfaceType)
        => SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, interfaceType)
            || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, interfaceType));
}
